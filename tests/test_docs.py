"""Docs as tests: every config key is documented; every CLI command appears in README."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from crawler.cli import app
from crawler.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CHANNEL_KEYS = {"name", "filters", "digest", "updates", "timeout"}


def leaf_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}{key}"
        nested = []
        ann = field.annotation
        top = (ann,) if typing.get_origin(ann) is list else (typing.get_args(ann) or (ann,))
        for arg in top:
            for inner in typing.get_args(arg) or (arg,):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    is_list = typing.get_origin(arg) is list
                    nested.append((inner, path + ("[]." if is_list else ".")))
        if nested:
            for inner, p in nested:
                out.extend(leaf_keys(inner, p))
        else:
            out.append(path)
    return out


def test_every_config_key_is_documented() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    missing = []
    for key in set(leaf_keys(Settings)):
        last = key.rsplit(".", 1)[-1]
        if key.startswith("alerts.") and last in CHANNEL_KEYS and f"`{last}`" in doc:
            continue
        if key.startswith(("profiles.", "sources[].selectors.")) and f"profiles.NAME.{last}" in doc:
            continue
        variants = {key, key.replace("email[].", "email."), key.replace("profiles.", "profiles.NAME.")}
        if not any(f"`{v}`" in doc for v in variants):
            missing.append(key)
    assert not missing, f"undocumented config keys: {sorted(missing)}"


def test_every_command_is_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    import typer.main

    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert {"crawl", "run", "releases", "status", "demo", "cluster"} <= set(names)
    missing = [n for n in names if not re.search(rf"`mosnews {n}\b", readme)]
    assert not missing, f"commands missing from README: {missing}"


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(blocks) == 2
    assert "mosnews run --config config.yaml" in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci
