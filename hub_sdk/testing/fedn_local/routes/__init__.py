"""The FEDn app's routes, one room per domain.

* :mod:`.controller`: health, the controller's state and the legacy (410) routes;
* :mod:`.models`: seed uploads, downloads, parameters and lineage;
* :mod:`.packages`: compute packages and helpers;
* :mod:`.sessions`: sessions, their start, and prediction runs;
* :mod:`.network`: clients, combiners, attributes and telemetry.

The generic list/count/get/delete/patch of every entity is :mod:`..engine.crud`.
"""
