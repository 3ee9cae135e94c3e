"""``send_template`` / ``template_send`` (V5.7.2 §3.5): a scenario's template, its variables
from ``content``, to up to 1000 numbers; the message is the rendered text.

Checks, in order: custid/exdata, numbers, the template (100058 unknown, 100502 disabled), its
variables (100059), the rendered text as any content (empty, too long), svrtype, exno.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockgateway.domain import sending
from mockgateway.endpoints.send_single import send
from mockgateway.protocol import content, fields, template
from mockgateway.protocol.codec import Fields, Format
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown
from mockgateway.scenario.model import Template

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_TMPLID = 20


def serve(desk: Gateway, call: Call) -> sending.Accepted:
    given = call.request.fields
    custid, exdata = sending.ids(given)
    numbers = sending.numbers_of(call, given, limit=sending.MAX_BATCH)
    chosen = _template(desk, call, given)
    decoded = _rendered(call, chosen, given)
    draft = sending.Draft.shared(
        numbers, decoded, custid, exdata, sending.svrtype(call, given), sending.exno(call, given)
    )
    return desk.sending.accept(call, draft)


def _template(desk: Gateway, call: Call, given: Fields) -> Template:
    tmplid = fields.text(given, "tmplid")
    if tmplid is None and "tmplid " in given:
        call.warn("the field is named 'tmplid ' with a trailing space, as in the manual's example")
        tmplid = fields.text(given, "tmplid ")
    if not tmplid:
        raise GatewayError(Code.TEMPLATE_UNKNOWN, "tmplid is missing")
    if len(tmplid) > MAX_TMPLID:
        raise GatewayError(
            Code.TEMPLATE_UNKNOWN,
            f"tmplid {shown(tmplid)} is {len(tmplid)} characters long: at most {MAX_TMPLID}",
        )
    known = desk.scenario.template_ids
    chosen = known.get(tmplid.strip())
    if chosen is None:
        listed = ", ".join(list(known)[:10]) or "none"
        raise GatewayError(
            Code.TEMPLATE_UNKNOWN,
            f"no template {shown(tmplid)} in scenario {desk.scenario.name!r} (templates: {listed})",
        )
    if tmplid != tmplid.strip():
        call.warn(f"tmplid {shown(tmplid)} has spaces around it")
    if not chosen.enabled:
        raise GatewayError(
            Code.TEMPLATE_DISABLED, f"template {chosen.id} is disabled (enabled: false)"
        )
    return chosen


def _rendered(call: Call, chosen: Template, given: Fields) -> content.Decoded:
    raw = fields.text(given, "content") or ""
    carried = call.request.format
    plain = sending.decrypt(call, raw) if raw else None
    if plain is not None:  # §5.4: the once-encoded variables are what is encrypted
        raw, carried = plain, Format.FORM
    found = template.variables(raw, carried, allow_gbk=call.account.settings.gbk)
    for warning in found.warnings:
        call.warn(warning)
    given_names, wanted = set(found.values), chosen.variables
    if given_names != wanted:
        raise GatewayError(Code.TEMPLATE_VARIABLES, _mismatch(chosen, wanted, given_names))
    length = chosen.rendered_length(found.values)
    if length > content.MAX_CHARACTERS:
        raise GatewayError(
            Code.CONTENT_TOO_LONG,
            f"template {chosen.id} rendered is {length} characters; at most "
            f"{content.MAX_CHARACTERS}",
        )
    return content.checked(chosen.render(found.values), found.charset, [])


def _mismatch(chosen: Template, wanted: frozenset[str], given: set[str]) -> str:
    def names(found: set[str] | frozenset[str]) -> str:
        return ", ".join(shown(n, 20) for n in sorted(found)[:10]) or "none"

    said = (
        f"template {chosen.id} has {len(wanted)} variables ({names(wanted)}); content gives "
        f"{len(given)} ({names(given)})"
    )
    if len(wanted) == len(given):
        return f"{said}: the names differ"
    return said


ENDPOINT = send("send_template", "template_send", serve)
