"""The engine of the FEDn app: what every route shares.

* :mod:`.request`: reading a request's body, its filters and its paging headers;
* :mod:`.room`: the :class:`~.room.Room` base class, the ``@route`` declarations and the
  replies every room sends (messages, file attachments);
* :mod:`.crud`: the generic list/count/get/delete/patch of every catalogue entity.
"""
