"""Who hears about what (placeholder until the notifications work lands)."""


def resolution_notify(resolution_id: int) -> str:
    return "not yet"
