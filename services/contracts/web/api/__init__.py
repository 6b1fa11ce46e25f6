"""The contracts service's JSON door (in its API document): one module per group of the document."""

from services.contracts.web.api.allocations import allocations_blp
from services.contracts.web.api.contracts import contracts_blp

BLUEPRINTS = [contracts_blp, allocations_blp]
