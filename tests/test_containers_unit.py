"""Unit test: listing the lab's containers while a lab ends. The Docker
SDK lists the containers, then inspects each; one removed in between is
gone, not an error (a test polling for traces met it as a 404)."""

import docker
import docker.errors

from bgptopo import containers


def test_a_container_removed_while_listed_is_left_out():
    client = docker.DockerClient(base_url='unix:///nonexistent.sock', version='1.41')
    listed = [{'Id': 'removed-meanwhile'}, {'Id': 'still-here'}]

    def inspect(container_id):
        if container_id == 'removed-meanwhile':
            raise docker.errors.NotFound('No such container: %s' % container_id)
        return {'Id': container_id, 'Name': '/bgptopo-web',
                'Config': {'Labels': {containers.LABEL: 'token'}}}
    client.api.containers = lambda **filters: listed
    client.api.inspect_container = inspect
    assert [(c.id, owner) for c, owner in containers.lab_containers(client)] == \
        [('still-here', 'token')]
