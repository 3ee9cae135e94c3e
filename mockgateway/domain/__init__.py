"""The gateway itself: accounts, messages, msgids, reports, push lines, the journal and the clock.

Nothing here knows HTTP, nor the endpoint modules: the HTTP layer hands over an
:class:`~mockgateway.domain.calls.ApiRequest` carrying its endpoint as a
:class:`~mockgateway.domain.calls.Service`, and renders the
:class:`~mockgateway.domain.calls.Answer` that comes back.
"""
