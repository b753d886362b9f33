"""Labels show text as written: stored text (a name, a note, a sheet name, an error that
quotes a cell) is never read as HTML.

Qt's QLabel and QMessageBox default to `AutoText`: a text whose first line opens with a
tag such as `<img src=…>`, `<a href=…>` or `<span style=…>` is rendered as rich text — a
name could load a local file as an image, show a link, hide words or forge a green
"đủ điều kiện". Rather than trusting a hundred call sites to remember, the application's
style turns every label still on `AutoText` into `PlainText` when it is first shown. A
label that is deliberately rich says `setTextFormat(Qt.RichText)` and escapes each value
it puts in (`html.escape`)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QProxyStyle


class PlainTextStyle(QProxyStyle):
    """The platform's own style, with `AutoText` labels made plain when polished."""

    def polish(self, target, *args):  # noqa: ANN001 - QStyle.polish is overloaded
        if isinstance(target, QLabel) and target.textFormat() == Qt.TextFormat.AutoText:
            target.setTextFormat(Qt.TextFormat.PlainText)
        return super().polish(target, *args)


def install(app: QApplication | None = None) -> None:
    """Make the application's labels plain by default (once; existing widgets are
    polished again)."""
    app = app or QApplication.instance()
    if app is None or isinstance(app.style(), PlainTextStyle):
        return
    style = PlainTextStyle(app.style())
    app.setStyle(style)


def plain_tip(text: str | None) -> str | None:
    """A tooltip that shows `text` as written. Qt reads a tooltip as HTML when its first
    line holds a tag, and an item view's tooltip cannot be set to plain text: so the text
    is escaped, its line breaks kept."""
    if not text:
        return None
    return f"<p style='white-space:pre-wrap'>{escape(text)}</p>"


def rich(label: QLabel) -> QLabel:
    """`label`, marked as deliberately rich: its text is our markup, values escaped."""
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


__all__ = ["PlainTextStyle", "install", "plain_tip", "rich"]
