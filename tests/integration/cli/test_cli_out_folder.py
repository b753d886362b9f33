"""`--out E:\\goi\\` (a folder, typed with its trailing separator, not there yet): the
bundle, catalogue and attachment commands write into that folder under their own name,
as they do into a folder that exists; they wrote a file named 'goi' instead."""

from tests.integration.cli.test_cli_profiles import demo  # noqa: F401 - the fixture


def test_a_bundle_goes_into_a_new_folder_typed_with_its_separator(demo, quiet_cli, capsys):  # noqa: F811
    home, _today = demo
    folder = home.parent / "the-nho" / "goi"
    rc = quiet_cli(home, "--profile", "X01-CB01", "bundle", "export", "--out", f"{folder}/")
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert folder.is_dir()
    (written,) = folder.iterdir()
    assert written.name.startswith("goi-dong-bo-") and written.suffix == ".khdb"
    assert str(written) in out.out


def test_a_catalogue_forwarded_into_a_new_folder(demo, quiet_cli, capsys):  # noqa: F811
    home, _today = demo
    folder = home.parent / "danh-muc"
    rc = quiet_cli(home, "--profile", "X01", "catalogue", "forward", "--out", f"{folder}/")
    assert rc == 0, capsys.readouterr().err
    assert [p.suffix for p in folder.iterdir()] == [".khdc"]
