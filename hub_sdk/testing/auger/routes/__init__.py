"""The Auger app's custom routes, one room per domain.

* :mod:`.accounts`: the login (``/tokens``);
* :mod:`.projects`: organizations, projects and deploys;
* :mod:`.training`: experiments, sessions, trials, pipelines;
* :mod:`.serving`: predictions, endpoints, actuals, review alerts;
* :mod:`.clusters`: clusters and cluster tasks;
* :mod:`.files`: project files, dataset manifests and the S3 stand-in;
* :mod:`.optimizers`: the optimizers service and the Hub's optimizer objects.
"""
