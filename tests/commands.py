"""Running the ``layerwise`` command in the test process, as a user would type it."""

from layerwise import cli


def run(capsys, *argv) -> tuple[int, str, str]:
    """``layerwise ARGV...``: the exit code, stdout and stderr (arguments may be paths)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
