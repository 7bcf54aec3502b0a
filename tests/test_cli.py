"""The command line: train --json, errors as messages, bench JSON lines, python -m glgan."""

import json
import subprocess
import sys

import pytest

from glgan.cli import main


def test_train_json_last_line(capsys):
    rc = main(["train", "--dataset", "ring", "--epochs", "40", "--seed", "3",
               "--backend", "numpy", "--json"])
    assert rc == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    for key in ("epochs", "seconds", "epochs_per_s", "kl", "js", "d_loss", "g_loss"):
        assert key in result
    assert result["epochs"] == 40 and result["dataset"] == "ring" and result["seed"] == 3


def test_same_seed_same_numbers(capsys):
    runs = []
    for _ in range(2):
        main(["train", "--epochs", "30", "--seed", "9", "--backend", "numpy", "--json",
              "--set", "d_optimizer=adam"])
        runs.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))
    for key in ("kl", "js", "d_loss", "g_loss"):
        assert runs[0][key] == runs[1][key]


@pytest.mark.parametrize("args,needle", [
    (["--set", "g_neurons=0"], "g_neurons=0 is out of range"),
    (["--set", "loss=wgan"], "loss='wgan' is not allowed"),
    (["--set", "nonsense=1"], "nonsense: unknown setting"),
    (["--epochs", "-5"], "--epochs=-5"),
    (["--backend", "cupy"], "backend=cupy cannot be used"),
])
def test_bad_input_is_a_clear_message_not_a_traceback(capsys, args, needle):
    pytest.importorskip("numpy")
    from glgan.compute.backend import cupy_status
    if "cupy" in args and cupy_status()[0] is not None:
        pytest.skip("a GPU is present")
    rc = main(["train", "--epochs", "2", *args])
    err = capsys.readouterr().err
    assert rc == 2 and needle in err and "Traceback" not in err


def test_save_then_load_continues(tmp_path, capsys):
    path = tmp_path / "model"
    assert main(["train", "--epochs", "20", "--save", str(path), "--json"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.glgan"]  # one file
    assert main(["train", "--epochs", "10", "--load", str(path) + ".glgan", "--json"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["epoch"] == 30


def test_bench_json_lines(capsys):
    assert main(["bench", "--json", "--quick"]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.strip().splitlines()]
    cases = {line["case"] for line in lines}
    assert {"gaussians", "large_5x100", "gaussians_runs16"} <= cases
    keys = {"backend", "case", "metric", "value", "unit"}
    train = {line["case"]: line for line in lines if line["metric"] == "epochs_per_s"}
    for line in train.values():  # training lines also say how many runs trained side by side
        assert set(line) == keys | {"runs"} and line["unit"] == "epochs/s"
    assert train["gaussians"]["runs"] == train["large_5x100"]["runs"] == 1
    assert train["gaussians_runs16"]["runs"] == 16
    (ratio,) = [line for line in lines if line["metric"] == "ratio_to_single_run"]
    assert set(ratio) == keys and ratio["unit"] == "x"
    assert ratio["case"] == "gaussians_runs16" and ratio["backend"] == "numpy"
    # the 16 runs' aggregate rate over the single run's, both measured in this call
    assert ratio["value"] == pytest.approx(
        train["gaussians_runs16"]["value"] / train["gaussians"]["value"], abs=0.006)
    assert len(lines) == len(train) + 1
    for line in lines:
        assert line["value"] > 0


def test_python_dash_m_glgan_works():
    out = subprocess.run([sys.executable, "-m", "glgan", "train", "--epochs", "5", "--json",
                          "--quiet"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["epochs"] == 5


def test_options_without_a_command_mean_run(monkeypatch):
    from glgan import cli

    seen = {}
    monkeypatch.setattr(cli, "cmd_run", lambda args: seen.setdefault("args", args) and 0)
    parser_args = cli.with_default_command(["--dataset", "ring", "--play"])
    assert parser_args == ["run", "--dataset", "ring", "--play"]
    assert cli.with_default_command(["-v", "--play"]) == ["-v", "run", "--play"]
    assert cli.with_default_command(["train", "--epochs", "3"])[0] == "train"
    assert cli.with_default_command([]) == ["run"]
    args = cli.make_parser().parse_args(cli.with_default_command(["--dataset", "ring"]))
    assert args.command == "run" and args.dataset == "ring"


def test_run_checks_screenshot_path_before_opening_a_window(capsys, tmp_path):
    rc = main(["run", "--frames", "1", "--screenshot", str(tmp_path / "x.jpg")])
    assert rc == 2 and ".png" in capsys.readouterr().err


def test_load_refuses_options_that_would_change_the_saved_model(tmp_path, capsys):
    path = tmp_path / "m"
    assert main(["train", "--epochs", "5", "--save", str(path), "--json"]) == 0
    for extra, needle in ((["--dataset", "ring"], "--dataset"), (["--seed", "4"], "--seed"),
                          (["--set", "g_neurons=4"], "would reset")):
        rc = main(["train", "--epochs", "1", "--load", f"{path}.glgan", *extra])
        assert rc == 2 and needle in capsys.readouterr().err
    assert main(["train", "--epochs", "2", "--load", f"{path}.glgan", "--set", "d_lr=0.01",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epoch"] == 7


def test_continuing_from_a_file_matches_training_straight_through(tmp_path, capsys):
    path = tmp_path / "m"
    main(["train", "--epochs", "20", "--save", str(path), "--json", "--seed", "3"])
    main(["train", "--epochs", "10", "--load", f"{path}.glgan", "--json"])
    resumed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    main(["train", "--epochs", "30", "--json", "--seed", "3"])
    straight = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("d_loss", "g_loss", "kl", "js"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-4, abs=1e-6)


def test_mistyped_command_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["trian", "--epochs", "3"])
    assert "invalid choice: 'trian'" in capsys.readouterr().err


def test_verbose_flag_works_before_or_after_the_command(capsys):
    for argv in (["-v", "train", "--epochs", "2", "--json"],
                 ["train", "--epochs", "2", "--json", "-v"]):
        assert main(argv) == 0
        assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 2


@pytest.mark.parametrize("args,needle", [
    (["--screenshot", "x.png"], "--screenshot needs --frames"),
    (["--frames", "2", "--report", "/nonexistent-dir/r.json"], "--report"),
    (["--frames", "0"], "--frames=0"),
])
def test_run_automation_options_are_checked_first(capsys, args, needle):
    rc = main(["run", *args])
    captured = capsys.readouterr()
    assert rc == 2 and needle in captured.out + captured.err
