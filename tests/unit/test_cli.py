import subprocess
import sys


def _automl(*args):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, timeout=120)


def test_train_help_explains_every_option_and_its_default():
    out = _automl("train", "--help")
    assert out.returncode == 0
    for option in ("--data", "--target", "--task", "--metric", "--time-left", "--generations",
                   "--population-size", "--early-stop", "--final-fits", "--search-space", "--model-name", "--parallel-mode"):
        assert option in out.stdout
    assert "TPOT__TIME_LEFT or 600" in " ".join(out.stdout.split())


def test_invalid_option_values_fail_before_training():
    out = _automl("train", "--data", "x.csv", "--target", "y", "--time-left", "-1")
    assert out.returncode == 2 and "time_left" in out.stderr
