"""What every command that writes a document shares: the output path checked, the
folders writing it will create said, the form's `--value NAME=VALUE` pairs read."""

from __future__ import annotations

from pathlib import Path

from khdesk.core.errors import UsageError


def out_path(text: str, formats: tuple[str, ...]) -> Path:
    out = Path(text)
    if out.suffix.lower() not in formats:
        raise UsageError(f"Tệp ra '{out.name}' phải có đuôi {' hoặc '.join(formats)}.")
    return out


def missing_folder(out: Path) -> Path | None:
    """The first folder of `out`'s path that does not exist yet (writing creates it)."""
    missing = None
    for folder in out.absolute().parents:
        if folder.exists():
            return missing
        missing = folder
    return missing


def said_written(text: str, new_folder: Path | None) -> None:
    # A mistyped path creates folders: say so, so the file is found where it went.
    print(text + (f" (đã tạo thư mục mới '{new_folder}')" if new_folder else ""))


def form_values(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"'--value {pair}': dùng dạng TÊN=GIÁ_TRỊ, ví dụ signer='Trần Văn A'.")
        values[key.strip()] = value.strip()
    return values
