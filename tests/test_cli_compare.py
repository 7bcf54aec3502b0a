"""``glgan train --compare``: runs side by side from the command line, table and JSON."""

import json

import pytest

from glgan.cli import main
from glgan.config import ConfigError, compare_grid


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_compare_trains_the_cartesian_product_and_prints_one_json_line(capsys):
    assert main(["train", "--epochs", "30", "--json", "--quiet", "--compare", "d_lr=0.01,0.1",
                 "--compare", "loss=log,leastsq"]) == 0
    out = last_json(capsys)
    assert set(out) == {"runs", "epochs", "seconds"} and out["epochs"] == 30
    varied = [r["varied"] for r in out["runs"]]
    assert varied == [{"d_lr": 0.01, "loss": "log"}, {"d_lr": 0.01, "loss": "leastsq"},
                      {"d_lr": 0.1, "loss": "log"}, {"d_lr": 0.1, "loss": "leastsq"}]
    for r in out["runs"]:
        assert {"kl", "js", "d_loss", "g_loss", "epoch", "diverged", "epochs", "seed",
                "dataset", "backend"} <= set(r)
        assert r["epoch"] == 30 and r["diverged"] is None
    # the same runs alone give the same final numbers (runs do not disturb each other)
    assert main(["train", "--epochs", "30", "--json", "--quiet", "--set", "d_lr=0.1",
                 "--set", "loss=leastsq"]) == 0
    alone = last_json(capsys)
    assert alone["d_loss"] == pytest.approx(out["runs"][3]["d_loss"], rel=1e-5)
    assert alone["kl"] == pytest.approx(out["runs"][3]["kl"], rel=1e-5)


def test_compare_table_names_the_varied_values(capsys):
    assert main(["train", "--epochs", "10", "--quiet", "--compare", "seed=0,1,2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["run", "seed", "epoch"]
    assert [line.split()[1] for line in lines[1:4]] == ["0", "1", "2"]
    assert "3 runs x 10 epochs" in lines[4]


def test_a_diverging_run_is_reported_and_the_others_finish(capsys, tmp_path):
    import numpy as np

    from glgan.compute.api import make_engine
    from glgan.compute.modelio import save_model
    from glgan.compute.state import EngineState
    from glgan.config import GanConfig

    eng = make_engine([GanConfig(), GanConfig(d_lr=10.0, seed=1)])
    runs = eng.snapshot().runs  # run 1: a model on the edge of float32 overflow
    eng.restore(EngineState((runs[0], runs[1].replace(d_theta=runs[1].d_theta * np.float32(1e30)))))
    save_model(eng, tmp_path / "edge")
    code = main(["train", "--epochs", "50", "--json", "--quiet", "--load",
                 str(tmp_path / "edge.json")])
    captured = capsys.readouterr()
    out = json.loads(captured.out.strip().splitlines()[-1])
    assert code == 0  # not every run diverged
    ok, bad = out["runs"]
    assert ok["diverged"] is None and ok["epoch"] == 50 and ok["epochs"] == 50
    assert bad["diverged"] and bad["epoch"] < 50 and "run 1: training diverged" in captured.err
    assert all(v is None or v == v for r in out["runs"] for v in r.values()
               if isinstance(v, float))  # no NaN in the JSON


@pytest.mark.parametrize("specs,match", [
    (["d_lr"], "expected KEY=V1,V2"),
    (["nope=1,2"], "nope: unknown setting"),
    (["d_lr=0.1,"], "empty value"),
    (["d_lr=0.1", "d_lr=0.2"], "given twice"),
    (["seed=" + ",".join(map(str, range(9))), "d_lr=" + ",".join(["0.1"] * 8)], "at most 64"),
])
def test_bad_compare_specs_are_refused(specs, match):
    with pytest.raises(ConfigError, match=match):
        compare_grid(specs)


def test_bad_compare_values_exit_2_before_training(capsys):
    assert main(["train", "--epochs", "10", "--compare", "d_lr=0.1,-1"]) == 2
    assert "d_lr=-1" in capsys.readouterr().err
    assert main(["train", "--epochs", "10", "--compare", "seed=1,2", "--load", "x.json"]) == 2
    assert "--compare: cannot be combined with --load" in capsys.readouterr().err


def test_one_compared_value_still_gives_the_runs_form_and_loads_show_what_differs(capsys,
                                                                                   tmp_path):
    assert main(["train", "--epochs", "5", "--json", "--quiet", "--compare", "d_lr=0.03",
                 "--compare", "g_lr=0.01,0.02", "--save", str(tmp_path / "c")]) == 0
    out = last_json(capsys)
    assert [r["varied"] for r in out["runs"]] == [{"d_lr": 0.03, "g_lr": 0.01},
                                                  {"d_lr": 0.03, "g_lr": 0.02}]
    assert main(["train", "--epochs", "5", "--json", "--quiet", "--compare", "d_lr=0.03"]) == 0
    assert "runs" in last_json(capsys)
    assert main(["train", "--epochs", "5", "--quiet", "--load", str(tmp_path / "c.glgan")]) == 0
    head = capsys.readouterr().out.splitlines()[0].split()
    assert head[:3] == ["run", "g_lr", "epoch"]  # only what differs between the loaded runs


def test_a_trained_grid_reopens_with_its_captions(tmp_path, capsys):
    """Review: a session saved by train --compare reopened with "run 1", "run 2" captions."""
    from glgan.compute.modelio import read_session

    out = tmp_path / "grid.glgan"
    assert main(["train", "--compare", "d_lr=0.01,0.1", "--epochs", "5", "--quiet",
                 "--save", str(out)]) == 0
    assert read_session(out).view["labels"] == ["d_lr=0.01", "d_lr=0.1"]
