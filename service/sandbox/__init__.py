"""A local stand-in for Microsoft Graph v1.0: an in-memory tenant behind an httpx transport.

It speaks Graph's wire format (camelCase JSON, ``dateTimeTimeZone``, OData query options,
``@odata.nextLink`` paging, ``$batch``, Graph's error shape) for the calls onetoone makes.
Production code never imports it: ``service.tenant`` hands its transport to the Graph
factory when the settings say sandbox.

Modules, by concern: ``wire`` (requests, responses, errors, date-times), ``odata`` (query
options), ``bodies``, ``schemas`` and ``validate`` (bodies and their validation), ``state``
(the tenant's data and its persistence), ``directory``, ``occurrences``, ``calendar``,
``invites``, ``teams``, ``freebusy`` and ``mail`` (the endpoints), ``people`` (what people
do in Outlook), ``routing`` (routes, ``$batch``, faults, limits: ``SandboxTenant``),
``transport`` (``SandboxTransport``) and ``org`` (the demo organisation).
"""

from service.sandbox.org import demo_tenant, leave_week
from service.sandbox.routing import SandboxTenant
from service.sandbox.state import state_lock
from service.sandbox.transport import SandboxTransport

__all__ = ["SandboxTenant", "SandboxTransport", "demo_tenant", "leave_week", "state_lock"]
