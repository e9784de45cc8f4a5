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


def after_cfn_update(cls: type, after: CfnAfter) -> None:
    """Run ``after`` on what the classmethod ``cls.update_from_cloudformation_json`` returns."""

    def make(original: Func) -> Func:
        def update(
            cls: type,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> Any:
            resource = original(
                cls,
                original_resource,
                new_resource_name,
                cloudformation_json,
                account_id,
                region_name,
            )
            after(resource, cloudformation_json, account_id, region_name)
            return resource

        return update

    wrap_classmethod(cls, "update_from_cloudformation_json", make)
