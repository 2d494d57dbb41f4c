"""The Auger Hub API: ``connect()``, then typed resources such as ``Experiment``.

Resource modules are imported on first use, so ``import hub_sdk.auger`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.exports import LazyExports, register_api
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

# The names of the TYPE_CHECKING block above, by module (tests/meta/test_exports.py checks).
_exports = LazyExports(
    __name__,
    globals(),
    base="AugerResource",
    clusters="Cluster ClusterStatus ClusterTask InstanceType",
    datasets="DatasetManifest",
    endpoints="Endpoint EndpointActual EndpointPipeline EndpointPrediction EndpointRoiValidation",
    experiments="Experiment ExperimentSession ProjectRun",
    files="ProjectFile ProjectFileUrl",
    misc="STATUS_OBJECTS Token status",
    models="Component State StateMachine User",
    optimizers="NextTrials TrialProposal fte next_trials next_trials_v2",
    organizations="Organization",
    pipelines="Pipeline PipelineFile",
    predictions="Actual Prediction PredictionGroup",
    projects="PodLog Project",
    relations="Embedded",
    reviews="ReviewAlert ReviewAlertItem",
    search="SimilarTrialsRequest TrialSearch WarmStartRequest",
    trials="Hyperparameter Trial",
)
register_api("auger", _exports)
if not TYPE_CHECKING:  # type checkers see the real names above, not an Any fallback
    __getattr__, __dir__ = _exports.load, _exports.names

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
    from ..core.registry import resource_class

    name = "".join(part.capitalize() for part in object_type.split("_"))
    if name in _exports.lazy:
        _exports.load(name)
    cls = resource_class("auger", object_type)
    from .base import AugerResource

    assert issubclass(cls, AugerResource)
    return cls
