"""Turn command-line options, environment and profile into one validated request.

Everything here happens before any AWS call: a bad value ends the run with exit code 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mfa_assume import checks, profiles
from mfa_assume.errors import InputError
from mfa_assume.records import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it the same)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_DURATION = 3600
STDIN = "-"


class Options(NamedTuple):
    """What the user asked for; ``None`` means "not given"."""

    role_arn: str | None = None
    role_session_name: str | None = None
    serial_number: str | None = None
    token_code: str | None = None
    duration_seconds: str | None = None
    source_identity: str | None = None
    profile: str | None = None
    region: str | None = None
    no_mfa: bool = False
    refresh: bool = False
    no_mfa_session: bool = False
    tags: tuple[str, ...] = ()  # --tag key=value, in the order given

    def __repr__(self) -> str:  # never show the MFA code
        return f"Options(profile={self.profile!r}, role_arn={self.role_arn!r}, ...)"


def options_from(ns: Any, *, fresh: bool = False, tags: Sequence[str] = ()) -> Options:
    """The options a parsed command line (:func:`mfa_assume.options.parse_options`) gives.

    ``fresh`` asks for a role session assumed with the long-term keys: neither a cached role
    session nor the MFA session (role chaining), as ``--refresh --no-mfa-session`` would.
    """
    return Options(
        role_arn=ns.role_arn,
        role_session_name=ns.role_session_name,
        serial_number=ns.serial_number,
        token_code=ns.token_code,
        duration_seconds=ns.duration_seconds,
        source_identity=ns.source_identity,
        profile=ns.profile,
        region=ns.region,
        no_mfa=ns.no_mfa,
        refresh=ns.refresh or fresh,
        no_mfa_session=ns.no_mfa_session or fresh,
        tags=tuple(tags),
    )


class Request(NamedTuple):
    """A validated AssumeRole request; ``None`` fields get defaults from AWS at call time."""

    role_arn: str
    duration_seconds: int
    session_name: str | None
    source_identity: str | None
    serial_number: str | None
    token_code: str | None  # six digits, "-" or None
    base_profile: str | None  # None: the default credential chain
    profile: str | None  # the profile named by --profile / AWS_PROFILE, for messages
    region: str | None
    no_mfa: bool
    refresh: bool
    mfa_process: str | None = None  # the profile's mfa_process command (a code source)
    mfa_max_age: int | None = None  # the role's MFA age limit, seconds (profile mfa_max_age)
    use_mfa_session: bool = False  # GetSessionToken once, then AssumeRole with that session
    base_id: str | None = None  # profiles.base_fingerprint, found while validating
    tags: tuple[tuple[str, str], ...] = ()  # session tags sent with AssumeRole
    own_code_note: str | None = None  # said before the prompt: why no MFA session is used

    def __repr__(self) -> str:  # never show the MFA code
        return f"Request(role_arn={self.role_arn!r}, profile={self.profile!r}, ...)"

    def cache_key_parts(self, env: Mapping[str, str]) -> dict[str, str]:
        """What makes two runs share cached credentials (see ``cache.key_for``): an entry
        serves only a request for the same role, names, caller, endpoint, tags and duration
        (so ``--duration-seconds 5h`` never gets an entry made for one hour)."""
        return {
            "version": "2",
            "role_arn": self.role_arn,
            "duration_seconds": str(self.duration_seconds),
            "session_name": self.session_name or "<caller>",
            "source_identity": self.source_identity or "<caller>",
            "caller": self.base_id or profiles.base_fingerprint(self.base_profile, env),
            "endpoint": env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL") or "",
            **({"tags": repr(sorted(self.tags))} if self.tags else {}),
        }


def _profile_settings(name: str, env: Mapping[str, str]) -> dict[str, str]:
    section = profiles.load_profile(name, env)
    if section is None:
        raise InputError(
            f"profile {name!r} not found in {profiles.config_path(env)} "
            f"or {profiles.credentials_path(env)}"
        )
    return section


ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL")


def selected_profile(options: Options, env: Mapping[str, str]) -> str | None:
    """The profile as botocore picks it: ``--profile``, ``AWS_DEFAULT_PROFILE``, ``AWS_PROFILE``.

    (botocore reads ``AWS_DEFAULT_PROFILE`` before ``AWS_PROFILE``.) None: no profile is
    selected, so the base credentials come from the default chain (environment keys, then
    the ``default`` profile).
    """
    return options.profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE") or None


def _region(
    options: Options, settings: Mapping[str, str], env: Mapping[str, str], base_region: str | None
) -> str | None:
    """The region for the request (flag, then profile), each source boto3 uses validated."""
    profile = selected_profile(options, env)
    candidates = [
        (options.region, "from --region"),
        (settings.get("region"), f"region of profile {profile!r}"),
        (env.get("AWS_DEFAULT_REGION"), "from AWS_DEFAULT_REGION"),
        (base_region, "region of the source profile"),
    ]
    for value, where in candidates:
        if value or (value is not None and where == "from --region"):
            checks.check_region(value, where)
            break  # boto3 uses the first one that is set
    return options.region or settings.get("region") or None


def session_tags(
    flags: tuple[str, ...], settings: Mapping[str, str], profile: str | None
) -> tuple[tuple[str, str], ...]:
    """The profile's ``session_tags``, with each ``--tag`` replacing the one of the same key
    (keys compare regardless of case, as STS compares them), checked against STS's rules."""
    given = [checks.check_tag(text, "from --tag") for text in flags]
    from_profile: list[tuple[str, str]] = []
    if settings.get("session_tags"):
        where = f"in profile {profile!r}"
        from_profile = checks.parse_session_tags(settings["session_tags"], where)
        checks.check_tags(from_profile, where)
    overridden = {key.lower() for key, _ in given}
    kept = [(k, v) for k, v in from_profile if k.lower() not in overridden]
    return checks.check_tags([*kept, *given], "in all (--tag and session_tags)")


def build_request(options: Options, env: Mapping[str, str]) -> Request:
    """Merge flags over the profile's settings and validate every value."""
    for variable in ENDPOINT_VARIABLES:
        if env.get(variable):
            checks.check_endpoint_url(env[variable], variable)
    profile = selected_profile(options, env)
    settings: dict[str, str] = {}
    base_profile = profile
    if profile is not None:
        settings = _profile_settings(profile, env)
        if "role_arn" in settings:  # a role profile: base credentials from source_profile
            base_profile = settings.get("source_profile")
            if not base_profile:
                raise InputError(
                    f"profile {profile!r} has role_arn but no source_profile; add "
                    "source_profile = NAME (credential_source is not supported)"
                )
            if base_profile == profile:
                raise InputError(f"profile {profile!r} names itself as source_profile")
    role_arn = options.role_arn or settings.get("role_arn")
    if not role_arn:
        raise InputError(
            "no role to assume; pass --role-arn ARN or --profile NAME of a profile with role_arn"
        )
    serial = options.serial_number or settings.get("mfa_serial")
    duration = (
        options.duration_seconds
        if options.duration_seconds is not None
        else settings.get("duration_seconds") or None
    )
    session_name = options.role_session_name or settings.get("role_session_name")
    token = options.token_code
    if token is not None and token != STDIN:
        token = checks.check_token_code(token)
    if options.no_mfa and (options.serial_number or token):
        raise InputError("--no-mfa cannot be combined with an MFA serial or token code")
    role_arn = checks.check_role_arn(role_arn)
    seconds = checks.parse_duration(duration) if duration is not None else DEFAULT_DURATION
    tags = session_tags(options.tags, settings, profile)
    via = profile if base_profile != profile else None
    base_id, base_region = profiles.base_identity(base_profile, env, via=via)
    return Request(
        role_arn=role_arn,
        duration_seconds=seconds,
        session_name=checks.check_session_name(session_name) if session_name else None,
        source_identity=(
            checks.check_source_identity(options.source_identity)
            if options.source_identity
            else None
        ),
        serial_number=None if options.no_mfa or not serial else checks.check_serial_number(serial),
        token_code=token,
        base_profile=base_profile,
        profile=profile,
        region=_region(options, settings, env, base_region),
        no_mfa=options.no_mfa,
        refresh=options.refresh,
        mfa_process=settings.get("mfa_process") or None,
        mfa_max_age=checks.parse_mfa_max_age(settings["mfa_max_age"])
        if settings.get("mfa_max_age")
        else None,
        use_mfa_session=bool(settings.get("mfa_max_age")) and not options.no_mfa_session,
        base_id=base_id,
        tags=tags,
    )
