"""The engine of the Auger app: what every route shares.

* :mod:`.request`: a werkzeug request with the Hub's parameter conventions;
* :mod:`.envelope`: the ``data``/``meta`` envelope and the recorded errors;
* :mod:`.auth`: tokens, user JWTs and passwords;
* :mod:`.room`: the :class:`~.room.Room` base class and the ``@route`` declarations;
* :mod:`.crud`: the generic index/show/create/update/delete of every catalogue spec.
"""
