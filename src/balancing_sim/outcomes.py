"""Public outcome helpers: what a study reads off recorded runs, one number per run.

The array measures `hedging_index`, `hedging_from_poles` and `in_bloc` live in
`measures` (the contract tables use them) and are re-exported here.

Outcomes: `final_posture_share(actor, posture)`, `time_in_posture(actor, posture)`,
`final_hedging(actor)`, `platform_viability(platform)`, `p_join(actor, platform)`,
`joins_bloc(actor)` each return a function of recorded runs giving one value per run
(its mean over runs is the share, probability or mean a study reports). The evaluation
API, the EMA Workbench adapter and the dashboard take them as they are. The function
accepts `data`, one of:

- a `validation.Panel` (what the evaluation API hands an outcome),
- engine `Records` with `compiled=` (the compiled world that names their axes),
- `Results` (what `simulate` returns or `load` reads),
- a contract table (`trajectories`, `memberships` or `platforms`, a DataFrame or a lazy
  `tables.Table`) of one set of replicates; select a sweep point first (`point=...`),

and returns a float array with one value per run, in run order:

    >>> share = final_posture_share("a", "nonaligned")
    >>> share(res).mean()          # Results of `simulate` or `load`
    >>> share(rec, compiled)       # an engine's Records
    >>> share(res.trajectories)    # a contract table
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .config.schema import NONALIGNED, STATUSES
from .contract import ALIGN_PREFIX
from .measures import hedging_from_poles, hedging_index, in_bloc
from .validation import Panel

if TYPE_CHECKING:
    import pandas as pd

    from .world import Compiled

__all__ = ["OutcomeError", "check_outcomes", "final_hedging", "final_posture_share",
           "final_weight", "hedging_from_poles", "hedging_index", "in_bloc", "joins_bloc", "p_join",
           "platform_viability", "time_in_posture"]
MEMBER = STATUSES.index("member")
ACCEPTED = ("Results (of simulate or load), a contract table (a DataFrame or a lazy Table), "
            "a validation.Panel, or engine Records with compiled=")


class OutcomeError(ValueError):
    """An outcome asked of something it cannot be read from (an id the data lacks, a
    malformed month, data of another kind): one message naming it and what is allowed."""


Outcome = Callable[..., np.ndarray]
"""(data, compiled=None) -> one value per run."""


@dataclass(frozen=True)
class Series:
    """One actor's (or platform's) recorded months, one row per run."""

    months: np.ndarray          # (M,) month index (year * 12 + month - 1)
    values: np.ndarray          # (R, M, C) weights, statuses or levels
    labels: tuple[str, ...]     # names of the C columns (postures, platforms, measures)
    codes: np.ndarray | None = None  # (R, M) posture index (alignment series only)


def _month(text: str, key: str = "month") -> int:
    """A YYYY-MM month as year * 12 + month - 1, or OutcomeError naming `key`."""
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return int(parts[0]) * 12 + int(parts[1]) - 1
    raise OutcomeError(f"{key} = {text!r}: a month YYYY-MM (or None: every recorded month)")


def _name(value: object, key: str) -> str:
    """An id given to an outcome: text, or OutcomeError naming the argument."""
    if not isinstance(value, str):
        raise OutcomeError(f"{key} = {value!r}: an id of the world (text)")
    return value


# ---------------------------------------------------------------- sources


def _panel(data: Any, compiled: Compiled | None) -> Panel | None:
    from .records import Records

    if isinstance(data, Panel):
        return data
    if isinstance(data, Records):
        if compiled is None:
            raise OutcomeError("Records need compiled= (the compiled world naming their axes)")
        return Panel.from_records(data, compiled)
    return None


def _table(data: Any, name: str):
    """The contract table `name` of Results, or the table itself."""
    import pandas as pd

    from .results import Results
    from .tables import Table

    if isinstance(data, Results):
        return data.tables[name]
    if isinstance(data, Table | pd.DataFrame):
        return data
    raise OutcomeError(f"data = {type(data).__name__}: one of {ACCEPTED}")


def _rows(data: Any, name: str, columns: Sequence[str], **where: str) -> pd.DataFrame:
    """The rows of one actor or platform, sorted by replicate set, run and step."""
    import pandas as pd

    from .analysis.frames import readable, select, unit_keys
    from .tables import Table

    table = _table(data, name)
    table = select(table, **where)
    if isinstance(table, Table):
        table = table.to_pandas()
    units = unit_keys(table)
    table = readable(table, [*units, "run", "step", "date", *columns])
    order = [*units, "run", "step", *(["platform"] if "platform" in columns else [])]
    frame = table.sort_values(order, kind="stable")
    if frame.empty:
        known = {k: _ids(_table(data, name), k) for k in where}
        raise OutcomeError(f"no rows in the {name} table for "
                           + ", ".join(f"{k}={v!r} ({k}s: {', '.join(known[k]) or 'none'})"
                                       for k, v in where.items()))
    return pd.DataFrame(frame)


def _ids(table: Any, column: str) -> list[str]:
    """The ids of an id column of a table (those its rows hold, for a DataFrame)."""
    from .tables import Table

    if column not in table.columns:
        return []
    if isinstance(table, Table):
        return table.categories(column)
    return [str(v) for v in dict.fromkeys(table[column].tolist())]


def _shape(frame: pd.DataFrame, width: int = 1) -> tuple[int, int]:
    steps = frame["step"].nunique()
    return len(frame) // (steps * width), steps


def _months(frame: pd.DataFrame, steps: int) -> np.ndarray:
    import pandas as pd

    dates = pd.to_datetime(frame["date"].to_numpy()[:steps])
    return np.asarray(dates.year * 12 + dates.month - 1)


def alignment(data: Any, actor: str, compiled: Compiled | None = None) -> Series:
    """A state's alignment vectors (poles, then non-aligned) and postures, run by run."""
    panel = _panel(data, compiled)
    if panel is not None:
        weights = panel.align[:, :, _index(panel.states, actor, "state")]
        return Series(panel.months, weights, (*panel.poles, NONALIGNED), weights.argmax(-1))
    table = _table(data, "trajectories")
    poles = [c.removeprefix(ALIGN_PREFIX) for c in table.columns if c.startswith(ALIGN_PREFIX)]
    frame = _rows(table, "trajectories", ["posture", *(ALIGN_PREFIX + p for p in poles)],
                  actor=actor)
    runs, steps = _shape(frame)
    weights = frame[[ALIGN_PREFIX + p for p in poles]].to_numpy(np.float64)
    weights = np.concatenate([weights, 1.0 - weights.sum(-1, keepdims=True)], axis=-1)
    labels = (*poles, NONALIGNED)
    codes = np.array([labels.index(str(p)) for p in frame["posture"]])
    return Series(_months(frame, steps), weights.reshape(runs, steps, -1), labels,
                  codes.reshape(runs, steps))


def statuses(data: Any, actor: str, compiled: Compiled | None = None) -> Series:
    """A state's membership status in each platform (index into STATUSES), run by run."""
    panel = _panel(data, compiled)
    if panel is not None:
        status = panel.status[:, :, _index(panel.states, actor, "state")]
        return Series(panel.months, status.astype(np.int64), panel.platforms)
    frame = _rows(data, "memberships", ["platform", "status"], actor=actor)
    platforms = tuple(str(p) for p in dict.fromkeys(frame["platform"]))
    runs, steps = _shape(frame, len(platforms))
    codes = np.array([STATUSES.index(str(s)) for s in frame["status"]])
    return Series(_months(frame, steps), codes.reshape(runs, steps, len(platforms)), platforms)


def levels(data: Any, platform: str, compiled: Compiled | None = None) -> Series:
    """A platform's viability and depth, run by run."""
    panel = _panel(data, compiled)
    if panel is not None:
        k = _index(panel.platforms, platform, "platform")
        values = np.stack([panel.viability[:, :, k], panel.depth[:, :, k]], axis=-1)
        return Series(panel.months, values, ("viability", "depth"))
    frame = _rows(data, "platforms", ["viability", "depth"], platform=platform)
    runs, steps = _shape(frame)
    values = frame[["viability", "depth"]].to_numpy(np.float64).reshape(runs, steps, 2)
    return Series(_months(frame, steps), values, ("viability", "depth"))


def _index(names: Sequence[str], name: str, what: str) -> int:
    if name not in names:
        raise OutcomeError(f"{what} {name!r} is not in the data ({what}s: {', '.join(names)})")
    return list(names).index(name)


def _blocs(data: Any, compiled: Compiled | None) -> list[str]:
    """Platforms flagged `bloc: true` in the world, from the compiled world or a config."""
    from .results import Results

    if compiled is not None:
        st = compiled.structure
        return [k for k, flag in zip(st.platforms, st.bloc, strict=True) if flag]
    if isinstance(data, Panel) and data.blocs:
        return list(data.blocs)
    config = data.config if isinstance(data, Results) else {}
    platforms = (config.get("world") or {}).get("platforms") or {}
    if not platforms:
        raise OutcomeError("which platforms are blocs is not known here: pass blocs=[...] or "
                         "compiled=")
    return [k for k, p in platforms.items() if isinstance(p, dict) and p.get("bloc")]


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Measure:
    """An outcome: a function of (series, *args) applied to the data's series of one actor
    or platform; picklable (multiprocessing evaluators ship it to workers)."""

    name: str
    source: Callable[..., Series]   # alignment, statuses or levels
    subject: str                    # the actor or platform
    apply: Callable[..., np.ndarray]
    args: tuple = ()

    def __call__(self, data: Any, compiled: Compiled | None = None) -> np.ndarray:
        series = self.source(data, self.subject, compiled)
        return self.apply(series, *self.args, data=data, compiled=compiled)

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(map(repr, (self.subject, *self.args)))})"

    def ids(self) -> list[tuple[str, str, str]]:
        """(argument, id, kind of id: state, posture, platform) of each id it reads."""
        found = [("platform", self.subject, "platform") if self.source is levels
                 else ("actor", self.subject, "state")]
        if self.apply in (_final_posture, _final_weight, _time_in):
            found.append(("posture", self.args[0], "posture"))
        elif self.apply is _ever_member:
            found.append(("platform", self.args[0], "platform"))
        elif self.apply is _ends_in_bloc and self.args[0] is not None:
            found += [("blocs", bloc, "platform") for bloc in self.args[0]]
        return found


def check_outcomes(outcomes: Mapping[str, Any], states: Sequence[str], poles: Sequence[str],
                   platforms: Sequence[str]) -> None:
    """Every id the public outcomes read is one of the world's, or one OutcomeError naming
    each outcome, argument and id, and the ids the world has (checked before any run)."""
    known = {"state": list(states), "posture": [*poles, NONALIGNED],
             "platform": list(platforms)}
    wrong = [f"outcomes.{name}: {key} = {value!r}: one of {', '.join(known[kind]) or 'none'}"
             for name, f in outcomes.items() if isinstance(f, Measure)
             for key, value, kind in f.ids() if value not in known[kind]]
    if wrong:
        raise OutcomeError("; ".join(wrong[:10]) + (f" (and {len(wrong) - 10} more)"
                                                     if len(wrong) > 10 else ""))


def _final_posture(s: Series, posture: str, **_: Any) -> np.ndarray:
    return (s.codes[:, -1] == _index(s.labels, posture, "posture")).astype(float)


def _final_weight(s: Series, posture: str, **_: Any) -> np.ndarray:
    return s.values[:, -1, _index(s.labels, posture, "posture")]


def _time_in(s: Series, posture: str, since: str | None, until: str | None,
             **_: Any) -> np.ndarray:
    lo = _month(since) if since else s.months[0]
    hi = _month(until) if until else s.months[-1]
    window = (s.months >= lo) & (s.months <= hi)
    if not window.any():
        raise OutcomeError(f"no recorded month between {since} and {until}")
    return (s.codes[:, window] == _index(s.labels, posture, "posture")).mean(axis=1)


def _final_hedging(s: Series, **_: Any) -> np.ndarray:
    return hedging_index(s.values[:, -1])


def _final_level(s: Series, **_: Any) -> np.ndarray:
    return s.values[:, -1, 0]


def _ever_member(s: Series, platform: str, **_: Any) -> np.ndarray:
    column = s.values[..., _index(s.labels, platform, "platform")]
    return (column == MEMBER).any(axis=1).astype(float)


def _ends_in_bloc(s: Series, blocs: tuple[str, ...] | None, data: Any = None,
                  compiled: Compiled | None = None) -> np.ndarray:
    names = list(blocs) if blocs is not None else _blocs(data, compiled)
    for bloc in names:
        _index(s.labels, bloc, "platform")
    flags = np.isin(np.asarray(s.labels), names)
    return in_bloc(s.values[:, -1], flags).astype(float)


def final_posture_share(actor: str, posture: str) -> Outcome:
    """1 where the state's final posture (largest share: a pole id or `nonaligned`) is
    `posture`, else 0; the mean over runs is the share of runs ending in it."""
    return Measure("final_posture_share", alignment, _name(actor, "actor"), _final_posture,
                   (_name(posture, "posture"),))


def final_weight(actor: str, posture: str) -> Outcome:
    """The state's final alignment weight on a pole (or its non-aligned share)."""
    return Measure("final_weight", alignment, _name(actor, "actor"), _final_weight,
                   (_name(posture, "posture"),))


def time_in_posture(actor: str, posture: str, since: str | None = None,
                    until: str | None = None) -> Outcome:
    """Share of the recorded months (from `since` to `until`, YYYY-MM, inclusive; all by
    default) in which the state's posture is `posture`."""
    for key, month in (("since", since), ("until", until)):
        if month is not None:
            _month(month, key)
    return Measure("time_in_posture", alignment, _name(actor, "actor"), _time_in,
                   (_name(posture, "posture"), since, until))


def final_hedging(actor: str) -> Outcome:
    """The state's hedging index in the last recorded month."""
    return Measure("final_hedging", alignment, _name(actor, "actor"), _final_hedging)


def platform_viability(platform: str) -> Outcome:
    """The platform's viability in the last recorded month."""
    return Measure("platform_viability", levels, _name(platform, "platform"), _final_level)


def p_join(actor: str, platform: str) -> Outcome:
    """1 where the state is a member of the platform in some recorded month, else 0 (the
    summary's P(join))."""
    return Measure("p_join", statuses, _name(actor, "actor"), _ever_member,
                   (_name(platform, "platform"),))


def joins_bloc(actor: str, blocs: Sequence[str] | None = None) -> Outcome:
    """1 where the state ends a full member of a bloc (the platforms marked `bloc: true`
    in the world, or those named in `blocs`), else 0."""
    if blocs is not None:
        if isinstance(blocs, str) or not isinstance(blocs, Sequence):
            raise OutcomeError(f"blocs = {blocs!r}: a list of platform ids (or None: the "
                               "platforms marked bloc: true)")
        blocs = tuple(_name(b, "blocs") for b in blocs)
    return Measure("joins_bloc", statuses, _name(actor, "actor"), _ends_in_bloc, (blocs,))
