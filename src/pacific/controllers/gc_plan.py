"""Garbage collection by ownerReferences, as pure decisions about one object.

Every owner reference names its owner by uid: an owner "recreated" with the same name but a
new uid is a different object, and the reference to the old one is dangling.

For a dependent (an object with owner references), each owner is one of
- PRESENT: it exists (same uid) and is not deleting its dependents in the foreground;
- WAITING: it exists, has a deletionTimestamp and the `foregroundDeletion` finalizer;
- ABSENT: it does not exist (or only under another uid).
`plan_dependent` then decides like kube's attemptToDeleteItem:
- some owner PRESENT: keep the object, but drop references to ABSENT and WAITING owners
  (a foreground-deleting owner need not wait for a dependent someone else still owns);
- otherwise, some owner WAITING: delete it, in the foreground if it has dependents of its
  own (so blocking dependents go first, recursively), else in the background;
- otherwise (every owner ABSENT): delete it with the policy its own finalizers ask for
  (`orphan` → Orphan, `foregroundDeletion` → Foreground, else Background).
An object that is already being deleted (not in the foreground) is left alone.

For an owner being deleted, `plan_owner` decides:
- `orphan` finalizer: remove the references to it from all dependents, then the finalizer;
- `foregroundDeletion` finalizer: once no dependent that blocks owner deletion
  (`blockOwnerDeletion: true`) is left, remove the finalizer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pacific.controllers.objects import Obj, finalizers_of, is_deleting, owner_refs, uid_of

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


class OwnerState(enum.Enum):
    PRESENT = "present"
    WAITING = "waiting"
    ABSENT = "absent"


def owner_state(owner: Obj | None, uid: str) -> OwnerState:
    """The state of the owner a reference with `uid` points at, given what is stored
    under the reference's name (None: nothing)."""
    if owner is None or uid_of(owner) != uid:
        return OwnerState.ABSENT
    if is_deleting(owner) and FOREGROUND in finalizers_of(owner):
        return OwnerState.WAITING
    return OwnerState.PRESENT


@dataclass(frozen=True, slots=True)
class DependentAction:
    unlink: tuple[str, ...] = ()  # owner uids whose references to remove
    delete: bool = False
    policy: str = "Background"


def plan_dependent(
    dependent: Obj, states: dict[str, OwnerState], has_dependents: bool
) -> DependentAction:
    """What to do with `dependent`, given the state of each of its owners (by uid)."""
    refs = owner_refs(dependent)
    if not refs:
        return DependentAction()
    finalizers = finalizers_of(dependent)
    if is_deleting(dependent):
        return DependentAction()  # already going (in the foreground: its dependents first)
    by_state: dict[OwnerState, list[str]] = {s: [] for s in OwnerState}
    for ref in refs:
        uid = str(ref.get("uid") or "")
        by_state[states.get(uid, OwnerState.PRESENT)].append(uid)
    if by_state[OwnerState.PRESENT]:
        stale = (*by_state[OwnerState.ABSENT], *by_state[OwnerState.WAITING])
        return DependentAction(unlink=stale)
    if by_state[OwnerState.WAITING]:
        return DependentAction(delete=True, policy="Foreground" if has_dependents else "Background")
    if ORPHAN in finalizers:
        return DependentAction(delete=True, policy="Orphan")
    if FOREGROUND in finalizers:
        return DependentAction(delete=True, policy="Foreground")
    return DependentAction(delete=True)


@dataclass(frozen=True, slots=True)
class OwnerAction:
    unlink: list[Obj] = field(default_factory=list)  # dependents to drop our reference from
    remove_finalizer: str | None = None


def refers_to(dependent: Obj, uid: str) -> Obj | None:
    for ref in owner_refs(dependent):
        if ref.get("uid") == uid:
            return ref
    return None


def plan_owner(owner: Obj, dependents: list[Obj]) -> OwnerAction:
    """What to do for `owner` being deleted with the orphan or foreground finalizer."""
    if not is_deleting(owner):
        return OwnerAction()
    uid = uid_of(owner)
    mine = [d for d in dependents if refers_to(d, uid) is not None]
    finalizers = finalizers_of(owner)
    if ORPHAN in finalizers:
        return OwnerAction(unlink=mine, remove_finalizer=ORPHAN)
    if FOREGROUND in finalizers:
        blocking = [d for d in mine if (refers_to(d, uid) or {}).get("blockOwnerDeletion")]
        if not blocking:
            return OwnerAction(remove_finalizer=FOREGROUND)
    return OwnerAction()


def without_refs(dependent: Obj, uids: tuple[str, ...] | list[str]) -> list[Obj]:
    """The dependent's owner references minus those to `uids`."""
    drop = set(uids)
    return [ref for ref in owner_refs(dependent) if ref.get("uid") not in drop]
