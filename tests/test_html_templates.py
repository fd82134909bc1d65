"""Every HTML page briefcast makes gets its Jinja2 set-up from html_templates.py: values escaped,
a missing value an error."""

from __future__ import annotations

import jinja2
import pytest
from library_code import library_files

from briefcast.html_templates import html_environment

# The email's templates escape by file name (plain text is not HTML): their own set-up.
EMAIL_TEMPLATES = "campaigns/render.py"


def test_values_are_escaped_and_a_missing_one_is_an_error(tmp_path):
    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>\n", encoding="utf-8")
    template = html_environment(tmp_path).get_template("page.html")
    assert template.render(title="Fish & <chips>") == "<h1>Fish &amp; &lt;chips&gt;</h1>"
    with pytest.raises(jinja2.UndefinedError):
        template.render()


def test_no_other_library_module_sets_up_jinja_for_itself():
    makers = [
        path.name
        for path in library_files("html_templates.py", EMAIL_TEMPLATES)
        if "jinja2.Environment(" in path.read_text(encoding="utf-8")
    ]
    assert makers == []
