"""The gateway itself: accounts, messages, msgids, reports, the journal and the clock.

Nothing here knows HTTP; handlers turn wire requests into :class:`ApiRequest` and render the
:class:`Answer` that comes back.
"""
