"""ConfigMap and Secret validation: keys, sizes, Secret types (pkg/apis/core/validation).
"""

from __future__ import annotations

import re

from .common import Cause, forbidden, invalid_value, required, validator


_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_CONFIG_SIZE = 1024 * 1024


def config_key_errors(key: str) -> list[str]:
    """IsConfigMapKey."""
    errs = []
    if len(key) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(key):
        errs.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
    if key == ".":
        errs.append("must not be '.'")
    elif key == "..":
        errs.append("must not be '..'")
    elif key.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def _config_data(obj: dict, kind: str) -> list[Cause]:
    causes = []
    size = 0
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    if kind == "Secret":
        data = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
        binary = {}
    for field, values in (("data", data), ("binaryData", binary)):
        if not isinstance(values, dict):
            causes.append(invalid_value(field, values, "must be a map"))
            continue
        for k in sorted(values):
            for m in config_key_errors(k):
                causes.append(invalid_value(f"{field}[{k}]", k, m))
            size += len(str(values[k]))
            if field == "data" and k in binary and kind == "ConfigMap":
                causes.append(invalid_value(f"data[{k}]", k, "duplicate of key present in binaryData"))
    if size > MAX_CONFIG_SIZE:
        what = "" if kind == "Secret" else ""
        causes.append(("data" if kind == "Secret" else "", "FieldValueTooLong",
                       f"Too long: must have at most {MAX_CONFIG_SIZE} bytes{what}"))
    return causes


@validator("ConfigMap")
def validate_configmap(cm: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/configuration/configmap/"""
    causes = _config_data(cm, "ConfigMap")
    if old is not None and old.get("immutable") is True:
        if cm.get("data") != old.get("data") or cm.get("binaryData") != old.get("binaryData"):
            causes.append(forbidden("data", "field is immutable when `immutable` is set"))
        if cm.get("immutable") is not True:
            causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
    return causes


@validator("Secret")
def validate_secret(secret: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"""
    causes = _config_data(secret, "Secret")
    typ = secret.get("type")
    data = {**(secret.get("data") or {}), **(secret.get("stringData") or {})}
    needs = {"kubernetes.io/tls": ("tls.crt", "tls.key"),
             "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
             "kubernetes.io/dockercfg": (".dockercfg",),
             "kubernetes.io/ssh-auth": ("ssh-privatekey",)}.get(typ, ())
    for key in needs:
        if key not in data:
            causes.append(required(f"data[{key}]"))
    if typ == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        causes.append(required("data[username]"))
    if old is not None:
        if typ != old.get("type"):
            causes.append(invalid_value("type", typ, "field is immutable"))
        if old.get("immutable") is True and secret.get("data") != old.get("data"):
            causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    return causes
