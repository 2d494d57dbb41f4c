"""The Auger Hub API: ``connect()``, then typed resources such as ``Experiment``.

Resource modules are imported on first use, so ``import hub_sdk.auger`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .connection import AugerConnection, connect, login
from .protocol import AugerProtocol

if TYPE_CHECKING:
    from .base import AugerResource  # what the lazy imports below provide, for type checkers
    from .clusters import Cluster, ClusterStatus, ClusterTask, InstanceType
    from .datasets import DatasetManifest
    from .endpoints import (
        Endpoint,
        EndpointActual,
        EndpointPipeline,
        EndpointPrediction,
        EndpointRoiValidation,
    )
    from .experiments import Experiment, ExperimentSession, ProjectRun
    from .files import ProjectFile, ProjectFileUrl
    from .misc import STATUS_OBJECTS, Token, status
    from .models import Component, State, StateMachine, User
    from .optimizers import NextTrials, TrialProposal, fte, next_trials, next_trials_v2
    from .organizations import Organization
    from .pipelines import Pipeline, PipelineFile
    from .predictions import Actual, Prediction, PredictionGroup
    from .projects import PodLog, Project
    from .relations import Embedded
    from .reviews import ReviewAlert, ReviewAlertItem
    from .search import SimilarTrialsRequest, TrialSearch, WarmStartRequest
    from .trials import Hyperparameter, Trial

# Resource name -> module (relative to this package) that declares it.
_LAZY: dict[str, str] = {
    "AugerResource": "base",
    "Organization": "organizations",
    "Project": "projects",
    "PodLog": "projects",
    "ProjectFile": "files",
    "ProjectFileUrl": "files",
    "DatasetManifest": "datasets",
    "Experiment": "experiments",
    "ExperimentSession": "experiments",
    "ProjectRun": "experiments",
    "Hyperparameter": "trials",
    "Trial": "trials",
    "Pipeline": "pipelines",
    "PipelineFile": "pipelines",
    "Prediction": "predictions",
    "PredictionGroup": "predictions",
    "Actual": "predictions",
    "Endpoint": "endpoints",
    "EndpointPipeline": "endpoints",
    "EndpointPrediction": "endpoints",
    "EndpointActual": "endpoints",
    "EndpointRoiValidation": "endpoints",
    "ReviewAlert": "reviews",
    "ReviewAlertItem": "reviews",
    "Cluster": "clusters",
    "ClusterStatus": "clusters",
    "ClusterTask": "clusters",
    "InstanceType": "clusters",
    "WarmStartRequest": "search",
    "SimilarTrialsRequest": "search",
    "TrialSearch": "search",
    "Token": "misc",
    "status": "misc",
    "STATUS_OBJECTS": "misc",
    "Component": "models",
    "User": "models",
    "State": "models",
    "StateMachine": "models",
    "Embedded": "relations",
    "NextTrials": "optimizers",
    "TrialProposal": "optimizers",
    "next_trials": "optimizers",
    "next_trials_v2": "optimizers",
    "fte": "optimizers",
}

__all__ = [
    "AugerConnection",
    "AugerProtocol",
    "AugerResource",
    "connect",
    "login",
    "resource_for",
    "Actual",
    "Cluster",
    "ClusterStatus",
    "ClusterTask",
    "Component",
    "DatasetManifest",
    "Embedded",
    "Endpoint",
    "EndpointActual",
    "EndpointPipeline",
    "EndpointPrediction",
    "EndpointRoiValidation",
    "Experiment",
    "ExperimentSession",
    "Hyperparameter",
    "InstanceType",
    "NextTrials",
    "Organization",
    "Pipeline",
    "PipelineFile",
    "PodLog",
    "Prediction",
    "PredictionGroup",
    "Project",
    "ProjectFile",
    "ProjectFileUrl",
    "ProjectRun",
    "ReviewAlert",
    "ReviewAlertItem",
    "STATUS_OBJECTS",
    "SimilarTrialsRequest",
    "State",
    "StateMachine",
    "Token",
    "Trial",
    "TrialProposal",
    "TrialSearch",
    "User",
    "WarmStartRequest",
    "fte",
    "next_trials",
    "next_trials_v2",
    "status",
]


def resource_for(object_type: str) -> type[AugerResource]:
    """The resource class of an ``"object"`` discriminator (``"trial"`` -> :class:`Trial`)."""
    from ..core.resource import resource_class

    name = "".join(part.capitalize() for part in object_type.split("_"))
    if name in _LAZY:
        __getattr__(name)
    cls = resource_class("auger", object_type)
    from .base import AugerResource

    assert issubclass(cls, AugerResource)
    return cls


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hub_sdk.auger' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
