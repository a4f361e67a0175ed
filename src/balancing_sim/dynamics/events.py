"""Scheduled shocks: each event changes a condition in the runs where it happens now.

Events never touch an alignment or a membership: they change threats, offers,
pressure, a protector's credibility or a platform's institutions, and the
states decide.
"""

from __future__ import annotations

import numpy as np

from ..world import EVENT_CODES, Compiled
from .state import RunState

_TARGET = {
    # kind -> (array it changes, indexed by state and the event's `other`)
    "threat": "threat",
    "credibility": "credibility",
    "pressure": "pressure",
    "economy": "economy",
    "troops": "troops",
    "alliance": "alliance",
    "bases": "bases",
    "arms": "arms",
    "duress": "duress",
}
_BY_CODE = {code: kind for kind, code in EVENT_CODES.items()}
CHANGES = (*_TARGET.values(), "polarization", "depth", "is_open", "viability", "openness",
           "neutrality", "founded")
"""The `RunState` arrays events (and platforms opening) may change."""


def _change(current: np.ndarray, value: np.ndarray, set_mode: bool) -> np.ndarray:
    new = value if set_mode else current + value
    return np.clip(new, 0.0, 1.0)


def open_platforms(s: RunState, compiled: Compiled, t: int) -> None:
    """Platforms founded at step t open with the viability and depth the scenario gives
    them. `founded` marks, for this month only, the platforms founded now or relaunched
    by an `open` event (`apply_events`)."""
    opening = compiled.structure.opens_step == t
    s.founded[:] = opening
    if opening.any():
        s.is_open[:, opening] = True
        s.viability[:, opening] = compiled.initial.viability[opening]
        s.depth[:, opening] = compiled.initial.depth[opening]


def apply_events(s: RunState, compiled: Compiled, event_step: np.ndarray,
                 event_value: np.ndarray, t: int) -> None:
    """Apply, in place and in date order, the events realized at step t of each run."""
    st, events = compiled.structure, compiled.events
    open_platforms(s, compiled, t)
    due = np.flatnonzero((event_step == t).any(axis=0))
    for e in due:
        runs = np.flatnonzero(event_step[:, e] == t)
        value = event_value[runs, e]
        kind = _BY_CODE[int(events.kind[e])]
        set_mode = bool(events.set_mode[e])
        other = int(events.other[e])
        if kind in _TARGET:
            array = getattr(s, _TARGET[kind])
            states = np.flatnonzero(events.states_mask[e])
            idx = np.ix_(runs, states, [other])
            array[idx] = _change(array[idx], value[:, None, None], set_mode)
            if kind == "alliance" and other >= st.n_poles and other < st.n_poles + st.n_states:
                back = np.ix_(runs, [other - st.n_poles], states + st.n_poles)
                array[back] = _change(array[back], value[:, None, None], set_mode)
        elif kind == "polarization":
            s.polarization[runs] = _change(s.polarization[runs], value, set_mode)
        elif kind == "depth":
            s.depth[runs, other] = _change(s.depth[runs, other], value, set_mode)
        elif kind == "open":
            s.is_open[runs, other] = True
            s.founded[runs, other] = True
            s.viability[runs, other] = np.clip(value, 0.0, 1.0)
        elif kind == "openness":
            rung = int(events.rung[e])
            s.openness[runs, other, rung] = _change(s.openness[runs, other, rung], value,
                                                    set_mode)
        elif kind == "neutrality":
            states = np.flatnonzero(events.states_mask[e])
            idx = np.ix_(runs, states)
            s.neutrality[idx] = _change(s.neutrality[idx], value[:, None], set_mode)
