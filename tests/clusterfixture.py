"""The test server fixture shared by the cluster tests: a second lab server
on this machine (bgptopo/clusterserver.py), made for a module and removed
after it, leaving nothing; the tests are skipped with the reason when its
image cannot be built."""

import os

import pytest

from bgptopo import clusterserver
from bgptopo.errors import LabError


def server_traces():
    """What of a test server exists now: container, network, drop-in, folder."""
    return {'container': clusterserver.address(),
            'network': clusterserver.docker('network', 'ls', '-q', '-f',
                                            'name=^%s$' % clusterserver.NETWORK),
            'drop-in': os.path.exists(clusterserver.SSH_DROP_IN),
            'folder': os.path.exists(clusterserver.STATE_DIR)}


def no_traces():
    return {'container': None, 'network': '', 'drop-in': False, 'folder': False}


@pytest.fixture(scope='module')
def server():
    """The test server's address; removed after the module."""
    try:
        clusterserver.build_image()
    except LabError as failure:
        pytest.skip('the test server image cannot be built here: %s' % failure)
    clusterserver.down()        # a killed earlier run's
    try:
        yield clusterserver.up()
    finally:
        clusterserver.down()
    assert server_traces() == no_traces()
