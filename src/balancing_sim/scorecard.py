"""The history against the record, in and out of sample: `balancing-sim-record` (`make
validate`).

Runs the history on a seed no calibration used, once per parameter setting (the
calibrated point, the posterior, and the points and posterior calibrated only up to a
cutoff), and prints: the in-sample record score and Brier score of each, the worst
facts, P1-P5, and the out-of-sample table: for each cutoff (a rolling origin), the facts
after it scored for the settings that never saw them, against the two naive forecasts
of `record` (persistence, base rates) and the settings that saw everything. With
`--doc` it regenerates the record and score tables of docs/VALIDATION.md.

With `--record FILE`, a world's own record (laid out as conf/record/eurasia.yaml, checked
against the world the run composes): `--scenario` and `--set` choose the run as on
balancing-sim's command line (a user's folder: `--set hydra.searchpath=[file:///...]
--set world=mine`), and it prints that run's record score, Brier score, structure facts
and worst facts, in sample only (the settings calibrated to a cutoff are the shipped
world's).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .config.arguments import add_overrides, count, document, refuse_chosen_groups
from .config.errors import ConfigError
from .config.loading import conf_dir
from .config.validate import month_index
from .record import (
    BEGIN,
    END,
    Record,
    Window,
    WorldIds,
    base_rate_forecasts,
    brier,
    brier_difference,
    check_structure,
    end_state,
    fact_shares,
    load_record,
    load_world_ids,
    model_forecasts,
    month_text,
    persistence_forecasts,
    record_for_run,
    record_markdown,
    record_score,
    replace_generated,
)
from .validation import Panel, load_patterns, pass_rates

if TYPE_CHECKING:
    from .evaluation import Model

SEED = 31415926
"""A seed no calibration uses (theirs: conf/calibration/*.yaml)."""
SCORES = ("<!-- scores:begin -->", "<!-- scores:end -->")


@dataclass(frozen=True)
class Setting:
    label: str
    params: str                # a params option of conf/params/
    until: str | None = None   # the last month its calibration saw (None: the whole record)


SETTINGS = (Setting("calibrated point", "calibrated"),
            Setting("posterior", "posterior"),
            Setting("point to 2004", "calibrated_to2004", "2004-12"),
            Setting("point to 2009", "calibrated_to2009", "2009-12"),
            Setting("point to 2014", "calibrated_to2014", "2014-12"),
            Setting("posterior to 2014", "posterior_to2014", "2014-12"))
VERSUS = ("minus persistence", "90% low", "90% high")
"""Columns of a held-out setting's Brier difference from persistence."""


def history_panel(params: str, runs: int, seed: int) -> Panel:
    """The history's recorded runs under a params option."""
    from .evaluation import Model

    return panel_of(Model.of("history", [f"params={params}"], seed=seed), runs)


def panel_of(model: Model, runs: int) -> Panel:
    """A model's recorded runs, every month (posterior settings: at least one run per
    draw)."""
    from .draws import load_draws
    from .evaluation import Model

    if model.params.draws is not None:
        runs = max(runs, len(load_draws(model.params.draws)[1]))
    return Model(model.compiled, model.params, runs, model.seed, model.engine, 1).panel(
        model.params)


def forecast_hold(forecasts: pd.DataFrame, required: float) -> float:
    """Share of facts a forecast holds: p at least `required` at every checkpoint (a
    naive forecast's analogue of the record score)."""
    return float((forecasts.groupby("id")["p"].min() >= required).mean())


def out_of_sample(panels: dict[str, Panel], record: Record,
                  settings: Sequence[Setting] = SETTINGS) -> pd.DataFrame:
    """For each cutoff a setting was calibrated to (a rolling origin): the Brier score
    (all, memberships, postures) and record score on the facts after it, for the
    settings held out there, the settings that saw everything (for reference) and the
    two naive forecasts; the held-out settings on the facts up to it too (their fit where
    they were calibrated). A held-out setting after its cutoff also gets its Brier
    score less persistence's with a 90% interval over facts (`record.brier_difference`;
    NaN in the other rows)."""
    rows = []
    nothing = (math.nan,) * 3
    for cutoff in sorted({s.until for s in settings if s.until}):
        window = Window(month_index(cutoff) + 1, record.window.end)
        training = Window(record.window.start, month_index(cutoff))
        naive = {"persistence": persistence_forecasts(record, cutoff, window),
                 "base rates": base_rate_forecasts(record, cutoff, window)}
        held = [s.label for s in settings if s.until == cutoff]
        rated = [*((s.label, s.label, window) for s in settings if s.until in (cutoff, None)),
                 *((f"{label}, on its training years", label, training) for label in held)]
        for row, label, win in rated:
            found = model_forecasts(panels[label], record, win)
            scores = brier(found)
            versus = (brier_difference(found, naive["persistence"])
                      if row in held else nothing)
            rows.append((cutoff, row, scores["all"], scores["membership"], scores["posture"],
                         record_score(panels[label], record, win),
                         int(scores["checkpoints"]), *versus))
        for label, found in naive.items():
            scores = brier(found)
            rows.append((cutoff, label, scores["all"], scores["membership"], scores["posture"],
                         forecast_hold(found, record.scoring.required_share),
                         int(scores["checkpoints"]), *nothing))
    return pd.DataFrame(rows, columns=["cutoff", "forecast", "Brier", "Brier memberships",
                                       "Brier postures", "record score", "checkpoints",
                                       *VERSUS])


def verdict(low: float, high: float) -> str:
    """What a difference from persistence says: better only when its whole interval does."""
    if high < 0:
        return "the model beats persistence"
    if low > 0:
        return "persistence beats the model"
    return "no clear difference (the interval includes 0)"


def in_sample(panels: dict[str, Panel], record: Record, patterns: dict) -> pd.DataFrame:
    rows = []
    for label, panel in panels.items():
        scores = brier(model_forecasts(panel, record))
        rows.append({"setting": label, "record score": record_score(panel, record),
                     "Brier": scores["all"], **pass_rates(panel, patterns)})
    return pd.DataFrame(rows)


START_SETTINGS = ("calibrated point", "posterior")
"""The settings forward scenarios run (`params=calibrated`, and the posterior by default)."""


def forward_start(panels: dict[str, Panel], record: Record) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """Where forward scenarios start, the record's last month: per setting, how many of
    that month's facts at least `required_share` of runs agree with; and the facts
    below that share under either setting (their share of runs under each)."""
    required = record.scoring.required_share
    ends = {label: end_state(panels[label], record) for label in START_SETTINGS}
    summary = pd.DataFrame([{"setting": label, "facts": len(end),
                             "agreed": int((end["share"] >= required).sum()),
                             "share agreed": float((end["share"] >= required).mean())}
                            for label, end in ends.items()])
    below = ends[START_SETTINGS[0]][["id", "accept"]].assign(**{
        label: end["share"].to_numpy() for label, end in ends.items()})
    below = below[(below[list(ends)] < required).any(axis=1)].sort_values(list(ends)[-1])
    return summary, below


def markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(("" if math.isnan(v) else f"{v:.3f}") if isinstance(v, float)
                              else str(v) for v in row)
            + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, *body])


def scores_markdown(inside: pd.DataFrame, outside: pd.DataFrame, start: pd.DataFrame,
                    below: pd.DataFrame, last: str, runs: int, seed: int) -> str:
    return "\n\n".join((
        f"_Generated by `balancing-sim-record --doc` (history, seed {seed}, {runs} "
        "replicates a setting; the posterior settings run at least once per draw, run r "
        "with draw r mod M)._",
        "### In sample (1992-2024)",
        "The settings 'to <year>' are scored here on the whole record, the years after "
        "their cutoff included.", markdown(inside),
        f"### Where forward scenarios start ({last}, the record's last month)",
        "The facts of that month, each agreed with by at least the required share of runs, "
        "or not; then the facts below that share under either setting (the share of runs "
        "agreeing with each).", markdown(start), markdown(below),
        "### Out of sample (for each cutoff, the facts and checkpoints after it)",
        markdown(outside)))


def own_record(path: str, scenario: str, overrides: Sequence[str], runs: int,
               seed: int) -> tuple[Model, Record, WorldIds]:
    """The run a user's record is scored on, and the record checked against that run's
    world and months (every problem a ConfigError, before anything runs)."""
    from .config.outputs import expand
    from .evaluation import Model, configure

    config, _ = configure(scenario, overrides)
    record, world = record_for_run(expand(path), config,
                                   "; choose another with --scenario or --set")
    return Model.of(config, runs=runs, seed=seed), record, world


def score_own_record(args: argparse.Namespace) -> int:
    """`--record FILE`: one run's score on a world's own record (in sample only)."""
    try:
        model, record, world = own_record(args.record, args.scenario, args.set, args.runs,
                                          args.seed)
    except ConfigError as exc:
        print(f"balancing-sim-record: {exc}", file=sys.stderr)
        return 2
    panel = panel_of(model, args.runs)
    scores = brier(model_forecasts(panel, record))
    pd.set_option("display.width", 160)
    print(f"{args.scenario} of world {world.name}, seed {args.seed}, {len(panel.align)} "
          f"replicates{' (at least one per posterior draw)' if model.params.draws else ''}, "
          f"against {args.record}:\nrecord score {record_score(panel, record):.3f} "
          f"(share of {len(record.facts)} facts held in at least "
          f"{record.scoring.required_share:g} of runs), Brier {scores['all']:.3f}")
    if record.structure:
        print(f"\nStructure facts (against the world):\n"
              f"{check_structure(record, world).to_string(index=False)}")
    worst = fact_shares(panel, record).sort_values("share").head(args.worst)
    print(f"\nWorst facts (share of runs holding them):\n"
          f"{worst[['id', 'from', 'to', 'accept', 'share']].to_string(index=False)}")
    end, required = end_state(panel, record), record.scoring.required_share
    print(f"\nIn {month_text(record.window.end)}, the record's last month (where a run "
          f"continuing this one starts): {int((end['share'] >= required).sum())} of "
          f"{len(end)} facts agreed by at least {required:g} of runs")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="balancing-sim-record", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=count(1), default=100, help="replicates per setting")
    parser.add_argument("--seed", type=count(0), default=SEED)
    parser.add_argument("--worst", type=count(0), default=12, help="worst facts shown")
    parser.add_argument("--doc", type=document(BEGIN, END, *SCORES),
                        help="regenerate the tables of this document (docs/VALIDATION.md; "
                        "checked before anything runs)")
    parser.add_argument("--record", help="a world's own record file (conf/record/eurasia.yaml "
                        "is the layout): score --scenario on it instead")
    parser.add_argument("--scenario", default="history",
                        help="with --record: the scenario scored (default history)")
    add_overrides(parser, note="with --record: ")
    args = parser.parse_args(argv)
    refuse_chosen_groups(parser, args.set, {"scenario": "choose it with --scenario"})
    if args.record is not None:
        if args.doc:
            parser.error("--doc regenerates docs/VALIDATION.md from the shipped record: "
                         "not with --record")
        return score_own_record(args)
    if args.set or args.scenario != "history":
        parser.error("--scenario and --set choose the run a --record file is scored on")
    root = conf_dir()
    world = load_world_ids(root / "world" / "eurasia.yaml")
    record = load_record(root / "record" / "eurasia.yaml", world)
    patterns = load_patterns(root / "validation" / "history.yaml")
    panels = {s.label: history_panel(s.params, args.runs, args.seed) for s in SETTINGS}
    inside = in_sample(panels, record, patterns)
    pd.set_option("display.width", 160)
    print(f"History, seed {args.seed}, {args.runs} replicates a setting.\n\nIn sample:")
    print(inside.to_string(index=False, float_format="{:.3f}".format))
    shares = fact_shares(panels["posterior"], record)
    worst = shares.sort_values("share").head(args.worst)
    print(f"\nWorst facts (posterior, share of runs holding them):\n"
          f"{worst[['id', 'from', 'to', 'accept', 'share']].to_string(index=False)}")
    start, below = forward_start(panels, record)
    last = month_text(record.window.end)
    print(f"\nWhere forward scenarios start ({last}, the record's last month):\n"
          f"{start.to_string(index=False, float_format='{:.3f}'.format)}\n\nFacts of "
          f"{last} below {record.scoring.required_share:g} of runs:\n"
          f"{below.to_string(index=False, float_format='{:.3f}'.format)}")
    outside = out_of_sample(panels, record)
    print("\nOut of sample (for each cutoff, the facts after it; only the settings 'to "
          "<year>' never saw them):")
    print(outside.to_string(index=False, float_format="{:.3f}".format, na_rep=""))
    if args.doc:
        text = args.doc.read_text(encoding="utf-8")
        text = replace_generated(text, record_markdown(
            record, world, dict(zip(shares["id"], shares["share"], strict=True))))
        text = replace_generated(text, scores_markdown(inside, outside, start, below, last,
                                                       args.runs, args.seed), SCORES)
        args.doc.write_text(text, encoding="utf-8")
        print(f"\nregenerated: {args.doc}")
    table = outside.set_index(["cutoff", "forecast"])
    for s in SETTINGS:
        if s.until:
            brier, diff, low, high = table.loc[(s.until, s.label), ["Brier", *VERSUS]]
            persistence = table.loc[(s.until, "persistence"), "Brier"]
            print(f"\nHeld-out Brier, {s.label}: {brier:.3f} vs "
                  f"persistence of {s.until} {persistence:.3f}; difference {diff:+.3f}, 90% "
                  f"interval over facts [{low:+.3f}, {high:+.3f}]: {verdict(low, high)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
