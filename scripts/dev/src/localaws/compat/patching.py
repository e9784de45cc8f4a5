"""Wrapping moto's methods (machinery, not a fix).

Fixes stack: each wraps whatever the attribute is when it installs, so the order of
``localaws.compat.MODULES`` is the order of the wrappers (a later one runs first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Func = Callable[..., Any]


def wrap_classmethod(cls: type, name: str, make: Callable[[Func], Func]) -> None:
    """Replace the classmethod ``cls.name`` by ``make(original function)``."""
    original = cls.__dict__[name].__func__
    setattr(cls, name, classmethod(make(original)))


def wrap_method(cls: type, name: str, make: Callable[[Func], Func]) -> None:
    """Replace the method ``cls.name`` by ``make(original function)``."""
    setattr(cls, name, make(getattr(cls, name)))


# after(resource, cloudformation_json, account_id, region_name), once moto has made the resource
CfnAfter = Callable[[Any, dict[str, Any], str, str], None]
# before(cloudformation_json) -> the template moto is given (it may raise to refuse it)
CfnBefore = Callable[[dict[str, Any]], dict[str, Any]]
# update(moto_update, original_resource, new_resource_name, cloudformation_json, account_id,
# region_name): moto_update(cloudformation_json) is moto's own update of that resource
CfnUpdate = Callable[[Callable[[dict[str, Any]], Any], Any, str, dict[str, Any], str, str], Any]


def before_cfn_create(cls: type, before: CfnBefore) -> None:
    """Give ``cls.create_from_cloudformation_json`` the template ``before`` returns."""

    def make(original: Func) -> Func:
        def create(
            cls: type,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            *args: Any,
            **kw: Any,
        ) -> Any:
            return original(cls, resource_name, before(cloudformation_json), *args, **kw)

        return create

    wrap_classmethod(cls, "create_from_cloudformation_json", make)


def after_cfn_create(cls: type, after: CfnAfter) -> None:
    """Run ``after`` on what the classmethod ``cls.create_from_cloudformation_json`` returns."""

    def make(original: Func) -> Func:
        def create(
            cls: type,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Any:
            resource = original(
                cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
            after(resource, cloudformation_json, account_id, region_name)
            return resource

        return create

    wrap_classmethod(cls, "create_from_cloudformation_json", make)


def around_cfn_update(cls: type, update: CfnUpdate) -> None:
    """Replace the classmethod ``cls.update_from_cloudformation_json`` by ``update``, which is
    given moto's own update to call (or not)."""

    def make(original: Func) -> Func:
        def wrapped(
            cls: type,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> Any:
            def moto_update(template: dict[str, Any]) -> Any:
                return original(
                    cls, original_resource, new_resource_name, template, account_id, region_name
                )

            return update(
                moto_update,
                original_resource,
                new_resource_name,
                cloudformation_json,
                account_id,
                region_name,
            )

        return wrapped

    wrap_classmethod(cls, "update_from_cloudformation_json", make)


def after_cfn_update(cls: type, after: CfnAfter) -> None:
    """Run ``after`` on what the classmethod ``cls.update_from_cloudformation_json`` returns."""

    def update(
        moto_update: Callable[[dict[str, Any]], Any],
        _original: Any,
        _name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        resource = moto_update(cloudformation_json)
        after(resource, cloudformation_json, account_id, region_name)
        return resource

    around_cfn_update(cls, update)
