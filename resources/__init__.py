"""The files khdesk ships (rulebooks, calendar overlay, form templates, fonts, the guide…).

Kept at the top of the repository and installed as the package `khdesk.resources`
(pyproject.toml's package-dir), so importlib.resources finds it in a wheel and in an
editable install alike; read it through `khdesk.core.resources`.
"""
