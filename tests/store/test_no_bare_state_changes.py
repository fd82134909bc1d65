"""An issue's state changes only in store/issue_states.py, where each move is checked against the
transition table, made by compare-and-set and audited. Library code elsewhere that writes
`issues.state` (or `state_reason`) itself, through SQLAlchemy or in raw SQL, fails here."""

import ast
import re

from library_code import ROOT, library_files

THE_MODULE = "store/issue_states.py"
STATE_COLUMNS = {"state", "state_reason"}
RAW_SQL = re.compile(r"UPDATE\s+issues\s+SET\b[^;]*\bstate\b", re.IGNORECASE | re.DOTALL)


def _updates_issues(node: ast.AST) -> bool:
    """Whether a method chain starts from `update(issues)` (or `issues.update()`)."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "update" and node.args:
                first = node.args[0]
                return isinstance(first, ast.Name) and first.id == "issues"
            if isinstance(func, ast.Attribute) and func.attr == "update":
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id == "issues":
                    return True
            node = func
        else:
            node = node.value
    return False


def _writes_state(call: ast.Call, functions: dict[str, ast.FunctionDef]) -> bool:
    """`.values(state=...)`, `.values({...})`, or `.values(**anything)` unless `anything` is a
    call of a function of the same module that returns only dict literals without the state."""
    for keyword in call.keywords:
        if keyword.arg in STATE_COLUMNS:
            return True
        if keyword.arg is None and not _stateless_dict(keyword.value, functions):
            return True
    return bool(call.args)


def _stateless_dict(node: ast.expr, functions: dict[str, ast.FunctionDef]) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    function = functions.get(node.func.id)
    if function is None:
        return False
    returned = [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]
    return bool(returned) and all(
        isinstance(value, ast.Dict)
        and all(
            isinstance(key, ast.Constant) and key.value not in STATE_COLUMNS for key in value.keys
        )
        for value in returned
    )


def state_writes(source: str) -> list[int]:
    """The lines of `source` that write an issue's state outside the state machine."""
    lines = []
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "values"
            and _updates_issues(node.func.value)
            and _writes_state(node, functions)
        ):
            lines.append(node.lineno)
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and RAW_SQL.search(node.value):
            lines.append(node.lineno)
    return sorted(lines)


def test_no_library_code_outside_the_state_machine_writes_an_issues_state():
    offenders = []
    for path in library_files(THE_MODULE):
        text = path.read_text(encoding="utf-8")
        for number in state_writes(text):
            line = text.splitlines()[number - 1].strip()
            offenders.append(f"{path.relative_to(ROOT)}:{number}: {line}")
    assert offenders == [], "move issues with store.issue_states.transition():\n" + "\n".join(
        offenders
    )


def test_the_guard_sees_each_way_of_writing_the_state():
    assert state_writes("update(issues).where(issues.c.id == 1).values(state='sent')") == [1]
    assert state_writes("q = (\n    update(issues)\n    .values(state_reason=None)\n)") == [2]
    assert state_writes("update(issues).values(**values)") == [1]
    hidden = "def row():\n    return {'title': 't', 'state': 's'}\nupdate(issues).values(**row())"
    assert state_writes(hidden) == [3]
    assert state_writes("update(issues).values({'state': 'sent'})") == [1]
    assert state_writes("issues.update().values(state='paused')") == [1]
    assert state_writes("SQL = \"UPDATE issues SET state = 'sent' WHERE id = :id\"") == [1]


def test_the_guard_leaves_other_writes_alone():
    assert state_writes("update(issues).values(audience_size=3)") == []
    plain = "def row():\n    return {'title': 't'}\nupdate(issues).values(**row())"
    assert state_writes(plain) == []
    assert state_writes("update(deliveries).values(state='x', status='sent')") == []
    assert state_writes("update(issues).where(issues.c.state == 'sent').values(title='t')") == []
    assert state_writes("SQL = 'UPDATE deliveries SET status = 1'") == []


def test_the_state_machine_itself_is_what_the_guard_would_catch():
    # The exemption is not hiding an empty module: the one place does write the state.
    assert state_writes((ROOT / THE_MODULE).read_text(encoding="utf-8")) != []
