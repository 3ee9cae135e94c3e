"""The Montnets error code table, declared once as data.

Every rejection in the gateway is a :class:`GatewayError` carrying a code from this table and a
diagnosis for the journal. The wire only ever sees the table's text (``desc``); the diagnosis names
the client's likely mistake and stays in the journal, because a real gateway would not tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from urllib.parse import quote

from mockgateway.scenario.model import Edition, ErrorSign


class Code(IntEnum):
    """Result codes of the international edition (V5.13), printed negative as that manual does."""

    OK = 0
    AUTH_FAILED = -100001
    LOCKED_OUT = -100002
    BAD_CUSTID_OR_EXDATA = -100004
    CONTENT_TOO_LONG = -100011
    INVALID_MOBILE = -100012
    TOO_MANY_MOBILES = -100014
    TOO_MANY_CONNECTIONS = -100056
    IP_NOT_ALLOWED = -100057
    INTERNAL_ERROR = -100999
    EXCEEDED_NUMBERS = -100807
    TIMESTAMP_EXPIRED = -100268
    BAD_SCHEDULE_FORMAT = -100269
    BAD_EXPIRY_FORMAT = -100270
    CONTENT_EMPTY = -100271
    NO_OTP_MATCHED = -100272
    DCS0_NOT_ASCII = -100273
    MOBILE_BREAKS_RULES = -100274
    # The manual gives the range -100100..-100090 for "request message body format error" without
    # itemising it; these follow the meanings the domestic manual gives the same numbers.
    BODY_XML_MALFORMED = -100091
    BODY_NOT_A_RECORD = -100092
    BODY_JSON_MALFORMED = -100093
    BODY_FIELD_WRONG_TYPE = -100096
    BODY_UNSUPPORTED = -100100
    # Codes of the domestic edition (V5.7.2) that V5.13 lacks, kept negative here like the rest;
    # the sign on the wire is chosen per account (``error_sign``).
    ARREARS = -100003
    TEMPLATE_UNKNOWN = -100058
    TEMPLATE_VARIABLES = -100059
    MIXED_COUNTS = -100060
    NO_PERMISSION = -100070
    CONTENT_MISSING = -100106
    SVRTYPE_ILLEGAL = -100252
    DECRYPT_FAILED = -100267
    TEMPLATE_DISABLED = -100502


SUCCESS_TEXT = "成功"

_TEXTS: dict[int, str] = {
    Code.AUTH_FAILED: (
        "Authentication fails, please check whether the account, password, timestamp, fixed "
        "string, and MD5 algorithm are set according to the requirements of the document"
    ),
    Code.LOCKED_OUT: (
        "User fails to pass multiple authentications, please check the account, password, "
        "timestamp, fixed string, and whether the MD5 algorithm is set according to the "
        "requirements of the document"
    ),
    Code.BAD_CUSTID_OR_EXDATA: "Illegal to fill in the custid or exdata field",
    Code.CONTENT_TOO_LONG: "SMS content is too long",
    Code.INVALID_MOBILE: "Invalid mobile phone number",
    Code.TOO_MANY_MOBILES: "The mobile number exceeds the maximum supported number (1000)",
    Code.TOO_MANY_CONNECTIONS: (
        "The number of connections logged in by the user account exceeds the limit"
    ),
    Code.IP_NOT_ALLOWED: "User account login IP is wrong",
    Code.INTERNAL_ERROR: "Platform database internal error",
    Code.EXCEEDED_NUMBERS: "Exceeded number of numbers",
    Code.TIMESTAMP_EXPIRED: "Request message time expired",
    Code.BAD_SCHEDULE_FORMAT: "Timing time format error",
    Code.BAD_EXPIRY_FORMAT: "Invalid expiration date format",
    Code.CONTENT_EMPTY: "SMS content is empty",
    Code.NO_OTP_MATCHED: "No SMS verification code matched",
    Code.DCS0_NOT_ASCII: "DSC is 0, the content format of the SMS is not ASCII.",
    Code.MOBILE_BREAKS_RULES: "Mobile number does not meet the rules",
    Code.ARREARS: "Account in arrears",
    Code.TEMPLATE_UNKNOWN: "Template ID does not exist",
    Code.TEMPLATE_VARIABLES: "Template variable count mismatch",
    Code.MIXED_COUNTS: "Number count does not match content count",
    Code.NO_PERMISSION: "No permission for this endpoint",
    Code.CONTENT_MISSING: "Content field missing or empty",
    Code.SVRTYPE_ILLEGAL: "svrtype contains illegal characters",
    Code.DECRYPT_FAILED: "MT content decryption failed",
    Code.TEMPLATE_DISABLED: "Template disabled",
}

BODY_FORMAT_RANGE = range(-100100, -100089)
_BODY_FORMAT_TEXT = "Request message body format error"


def is_known(code: int) -> bool:
    """Whether the V5.13 table lists ``code`` (scenario checks warn about the others)."""
    return code == 0 or code in _TEXTS or code in BODY_FORMAT_RANGE


def text_of(code: int) -> str:
    if code == 0:
        return SUCCESS_TEXT
    if code in BODY_FORMAT_RANGE:
        return _BODY_FORMAT_TEXT
    return _TEXTS.get(code, "Unknown error")


def url_encode(text: str, charset: str = "utf-8") -> str:
    """URL-encode ``text`` in ``charset`` (UTF-8 unless told) with lowercase hex, as the manual's
    examples do.

    Spaces become ``%20``, not ``+``: every decoder (Java's URLDecoder, PHP's rawurldecode,
    JavaScript's decodeURIComponent) reads ``%20`` right, while ``+`` survives some of them.
    A character the charset lacks becomes ``?``, as it would on a gateway working in it.
    """
    encoded = quote(text, safe="", encoding=charset, errors="replace")
    if "%" not in encoded:
        return encoded
    parts = encoded.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


@cache
def desc_of(code: int) -> str:
    """The ``desc`` of an answer with this result code, ready for the wire."""
    return url_encode(text_of(code))


DOMESTIC_TEXTS: dict[int, str] = {
    0: SUCCESS_TEXT,
    100001: "鉴权失败",
    100002: "用户多次鉴权不通过,请检查帐号,密码,时间戳,固定串,以及MD5算法是否按照文档要求进行设置",
    100003: "用户欠费",
    100004: "custid或者exdata字段填写不合法",
    100011: "短信内容超长",
    100012: "手机号码不合法",
    100014: "手机号码超过最大支持数量（1000）",
    100029: "端口绑定失败",
    100056: "用户账号登录的连接数超限",
    100057: "用户账号登录的 IP 错误",
    100058: "模板 ID 不存在",
    100059: "模板参数个数不匹配",
    100060: "手机号与信息内容个数不一致",
    100070: "没有发送该接口的权限",
    100091: "XML 报文解析异常(不符合 XML 格式)",
    100092: "报文解析异常",
    100093: "Json 报文解析异常",
    100094: "XML 节点解析失败(节点不存在)",
    100095: "Json 报文解析异常",
    100096: "Json 数组对象解析错误",
    100098: "Json 报文解析异常",
    100100: "不支持的 Content-type 格式",
    100101: "sign 不合法",
    100102: "无有效查询账号或查询的账号数量超限",
    100103: "查询账号数量超出限制",
    100106: "短信内容字段不存在或为空",
    100252: "SVRTYPE 参数含非法字符",
    100253: "不满足模板修改条件(仅审核不通过的模板才可以修改)",
    100254: "没有权限操作该模板(模板不属于该企业)",
    100255: "不满足模板启用条件(内容安全原因被禁用、审核中、审核不通过、已过期的模板不允许启用)",
    100256: "企业模板数量已超出限制",
    100257: "模板管理数量超出限制(一次最多可管理 1000 个模板)",
    100259: "模板有效期不合法",
    100260: "模板内容超长",
    100261: "模板名称不合法",
    100262: "模板类型不合法",
    100264: "模板操作类型不合法",
    100265: "模板参数不合法",
    100266: "当天模板启禁用次数超过 100 次",
    100267: "下行内容解密失败",
    100502: "短信模板被禁用",
    100800: "短地址相关接口失败",
    100801: "短地址长地址错误",
    100802: "长地址已被禁用",
    100803: "短地址短域名错误",
    100804: "短地址短域名已经被禁用",
    100805: "短地址手机号码超过 10000 个",
    100806: "短地址中心资源不够",
    100807: "短地址服务器忙",
    100900: "号码查询号码手机个数错误",
    100901: "号码查询获取手机号码信息失败",
    100902: "号码查询扣费请求失败",
    100907: "号码查询服务器忙",
    100999: "系统内部错误",
}
"""The domestic edition's ``desc`` texts: the V5.7.2 table (section 4) as printed, keyed by the
table's positive code, except the two texts the manual shows on the wire, which its answers use:
鉴权失败 for 100001 (every ``desc`` example) and 系统内部错误 for 100999 (every failure
example), where the table has a longer instruction and 平台数据库内部错误."""

_DOMESTIC_EQUIVALENTS: dict[int, int] = {
    Code.TIMESTAMP_EXPIRED: Code.AUTH_FAILED,
    Code.MOBILE_BREAKS_RULES: Code.INVALID_MOBILE,
    Code.EXCEEDED_NUMBERS: Code.TOO_MANY_MOBILES,
    Code.CONTENT_EMPTY: Code.CONTENT_MISSING,
}
"""V5.13 codes the domestic table lacks, to the code it gives the same mistake: a stale timestamp
is an authentication failure there (its 100001 text names the timestamp), a malformed number an
invalid one, more than one number to send_single too many numbers, empty content 100106 (100807
means "short-URL server busy" in that table, so it must never reach a domestic client)."""


@cache
def _domestic_desc(key: int) -> str:
    text = DOMESTIC_TEXTS.get(key)
    return desc_of(-key) if text is None else url_encode(text)


@dataclass(frozen=True)
class Dialect:
    """How one account's answers read on the wire: the codes and texts of its edition, and the
    sign of its codes. Every answer passes through here once, rejections included, as soon as
    the account is known (the gateway's ``handle``)."""

    edition: Edition = "international"
    error_sign: ErrorSign = "negative"

    def own(self, code: int) -> int:
        """A code the gateway raised, as this edition's table has it."""
        if self.edition == "domestic":
            return _DOMESTIC_EQUIVALENTS.get(code, code)
        return code

    def result(self, code: int) -> int:
        """The code on the wire: positive for ``error_sign: positive``, else as raised (a
        rule's forced code as the scenario wrote it)."""
        return abs(code) if self.error_sign == "positive" else code

    def desc(self, code: int) -> str:
        """The ``desc`` of ``code``, whichever its sign: the domestic texts in Chinese, the
        international ones in English; both URL-encoded UTF-8."""
        if self.edition == "domestic":
            return _domestic_desc(abs(code))
        return desc_of(-abs(code))


INTERNATIONAL = Dialect()
"""The dialect of an answer whose account is not known (an unreadable body, an unknown userid)."""


class GatewayError(Exception):
    """A request the gateway rejects: the wire gets ``code``, the journal gets ``diagnosis``."""

    def __init__(self, code: int, diagnosis: str) -> None:
        super().__init__(f"{code}: {diagnosis}")
        self.code = int(code)
        self.diagnosis = diagnosis


# The domestic V5.7.2 table prints its codes positive; a scenario may use them either way.
_DOMESTIC = frozenset(
    {
        *range(100001, 100005),
        100011,
        100012,
        100014,
        100029,
        100056,
        100057,
        100058,
        100059,
        100060,
        100070,
        *range(100090, 100101),
        100101,
        100102,
        100103,
        100106,
        100252,
        100253,
        100254,
        100255,
        100256,
        100257,
        *range(100259, 100268),
        100502,
        *range(100800, 100808),
        100900,
        100901,
        100902,
        100907,
        100999,
    }
)


def is_domestic(code: int) -> bool:
    """Whether the domestic V5.7.2 table lists ``code``, printed positive or negative."""
    return abs(code) in _DOMESTIC


def is_client_mistake(code: int | None) -> bool:
    """Whether a refusal with ``code`` (either sign) is the client's own mistake, what strict
    mode fails a test on. An account in arrears is not: the balance is a state a test set."""
    return abs(code or 0) != -Code.ARREARS
