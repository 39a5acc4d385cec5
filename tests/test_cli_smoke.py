from evalgate.cli.main import main


def test_help_exits_zero(capsys: object) -> None:
    assert main(["--help"]) == 0


def test_unknown_command_is_usage_error() -> None:
    assert main(["no-such-command"]) == 2
