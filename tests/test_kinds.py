"""Each cue kind declared once: its grace, its order at an instant, its audiences."""

from datetime import timedelta

from bot.kinds import KIND_NAMES, POLICIES, Kind, grace_for, policy


def test_grace_values_per_kind() -> None:
    assert grace_for("reminder") == timedelta(minutes=10)
    assert grace_for("slot_end") == grace_for("slot_warning") == grace_for("overrun") == timedelta(minutes=1)
    assert grace_for("standby") == timedelta(minutes=1)  # counted from the speaker's slot start
    assert grace_for("item_start") == timedelta(minutes=5)
    assert grace_for("thread_open") == timedelta(minutes=30)
    assert grace_for("discussion_start") == timedelta(minutes=3)
    assert grace_for("item_end") == timedelta(minutes=10)
    assert grace_for("schedule_change") == timedelta(minutes=5)


def test_every_kind_has_a_policy_and_a_distinct_rank() -> None:
    assert set(POLICIES) == set(Kind)
    assert tuple(kind.value for kind in Kind) == KIND_NAMES
    ranks = [p.rank for p in POLICIES.values()]
    assert len(set(ranks)) == len(ranks)
    assert (
        policy(Kind.SLOT_END).rank < policy(Kind.ITEM_START).rank < policy(Kind.STANDBY).rank
    )  # endings first
