"""Loading the user's function: pasted code, files, packages, errors, shipping."""
import pytest

from dcs_engine.errors import ParameterError, UserCodeError
from dcs_engine.inputs.shipping import ship
from dcs_engine.inputs.usercode import PASTED, load


def test_pasted_function_keeps_its_source_lines():
    uf = load(code="import math\n\ndef g(row):\n    return math.sqrt(row['x'])\n", name="g")
    assert uf.pasted and uf.filename == PASTED and uf.module is None
    assert uf.func({"x": 9}) == 3.0
    assert uf.source_line(4) == "return math.sqrt(row['x'])"
    assert uf.source_line(99) == ""
    assert PASTED in uf.user_files


def test_single_function_needs_no_name():
    assert load(code="def only(row):\n    return 1\n").name == "only"


def test_pasted_syntax_error_names_line_and_column():
    with pytest.raises(UserCodeError) as e:
        load(code="def f(row):\n    return row['a'] +\n", name="f")
    assert e.value.message == ("[DCS104] <pasted>, line 2, column 22; expected valid Python; found SyntaxError: "
                               "invalid syntax in \"return row['a'] +\". "
                               "Fix: correct line 2 of <pasted> and load it again")
    assert (e.value.condition, dict(e.value.params)) == (
        "USER_CODE_SYNTAX", {"file": PASTED, "line": 2, "column": 22, "error": "invalid syntax"})


def test_pasted_code_that_fails_when_defined():
    with pytest.raises(UserCodeError) as e:
        load(code="x = 1\ny = x / 0\ndef f(row):\n    return y\n", name="f")
    assert e.value.message == ("[DCS104] pasted code, line 2; expected code that runs when defined; found "
                               "ZeroDivisionError: division by zero. Fix: remove top-level statements that fail, "
                               "or install the missing module")


def test_unknown_function_name():
    with pytest.raises(UserCodeError) as e:
        load(code="def a(row):\n    pass\ndef b(row):\n    pass\n", name="c")
    assert e.value.message == ("[DCS104] function 'c' in <pasted>; expected a function defined there; "
                               "found functions a, b. Fix: check the function name")
    assert (e.value.condition, dict(e.value.params)) == (
        "USER_CODE_NO_FUNCTION", {"file": PASTED, "function": "c", "functions": ["a", "b"]})


def test_file_reference(tmp_path):
    p = tmp_path / "uc_utils_ok.py"
    p.write_text("def is_e10s(row):\n    return row['active_experiment_id'].startswith('e10s')\n")
    uf = load(ref=f"{p}:is_e10s")
    assert (uf.name, uf.module, uf.module_path, uf.filename) == ("is_e10s", "uc_utils_ok", str(p), str(p))
    assert uf.func({"active_experiment_id": "e10s-x"}) is True
    assert uf.source_line(2) == "return row['active_experiment_id'].startswith('e10s')"


def test_file_with_syntax_error(tmp_path):
    p = tmp_path / "uc_broken.py"
    p.write_text("def f(row)\n    return 1\n")
    with pytest.raises(UserCodeError) as e:
        load(ref=f"{p}:f")
    assert e.value.message == (f"[DCS104] {p}, line 1, column 11; expected valid Python; found SyntaxError: "
                               f"expected ':' in 'def f(row)'. Fix: correct line 1 of {p} and load it again")


def test_module_that_does_not_import(tmp_path):
    p = tmp_path / "uc_noimport.py"
    p.write_text("import os\nimport not_a_real_module_dcs\n\ndef f(row):\n    return 1\n")
    with pytest.raises(UserCodeError) as e:
        load(ref=f"{p}:f")
    assert e.value.message == (f"[DCS104] importing {p}, line 2; expected a module whose imports are installed; "
                               "found ModuleNotFoundError: No module named 'not_a_real_module_dcs'. Fix: install "
                               "the missing package in the app's environment, or fix the import")
    assert (e.value.condition, e.value.params["error"], e.value.params["module"]) == (
        "USER_CODE_IMPORT", "ModuleNotFoundError", "not_a_real_module_dcs")


def test_missing_file_and_bad_reference(tmp_path):
    with pytest.raises(UserCodeError) as e:
        load(ref=f"{tmp_path}/nope.py:f")
    assert "no such file" in e.value.message
    with pytest.raises(UserCodeError) as e:
        load(ref="no_colon_here")
    assert e.value.message == ("[DCS104] function reference; expected path/to/file.py:function or "
                               "module:function; found 'no_colon_here'. Fix: add ':' and the function name")
    with pytest.raises(UserCodeError) as e:
        load()
    assert "found neither" in e.value.message


def test_ship_modes_without_spark(tmp_path):
    pasted = load(code="def f(row):\n    return 1\n")
    assert ship(None, pasted, "auto").text == "pasted code: shipped by value inside each task"
    p = tmp_path / "uc_ship_none.py"
    p.write_text("def f(row):\n    return 1\n")
    assert ship(None, load(ref=f"{p}:f"), "none").text == \
        "module 'uc_ship_none' not shipped: executors import it on their own"
    installed = load(ref="json:dumps")
    assert ship(None, installed, "auto").text == "module 'json' is installed: executors import their own copy"
    assert ship(None, installed, "auto").files == ()
    with pytest.raises(ParameterError) as e:
        ship(None, pasted, "sometimes")
    assert (e.value.condition, dict(e.value.params)) == (
        "PARAM_NOT_A_CHOICE", {"param": "ship", "found": "sometimes", "choices": ["auto", "addpyfile", "none"]})


def test_package_module_is_zipped_and_shipped(spark, tmp_path):
    import sys
    import zipfile

    pkg = tmp_path / "uc_pkg_a" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "uc_pkg_a" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "funcs.py").write_text("def f(row):\n    return 2\n")
    sys.path.insert(0, str(tmp_path))
    try:
        uf = load(ref="uc_pkg_a.sub.funcs:f")
        shipped = ship(spark, uf, "addpyfile")
        text = shipped.text
    finally:
        sys.path.remove(str(tmp_path))
    assert text.startswith("module 'uc_pkg_a.sub.funcs' shipped with sc.addPyFile(") and text.endswith("uc_pkg_a.zip')")
    zpath = text.split("(", 1)[1].rstrip(")").strip("'")
    assert shipped.files == (zpath,)
    assert sorted(zipfile.ZipFile(zpath).namelist()) == ["uc_pkg_a/__init__.py", "uc_pkg_a/sub/__init__.py",
                                                         "uc_pkg_a/sub/funcs.py"]
