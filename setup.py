"""bgptopo: a BGP lab (three FRR/Quagga routers, two Docker hosts) for Mininet.

Runtime dependencies come from Debian's packages (mn runs /usr/bin/python3):
mininet, frr, docker.io, python3-docker. ./setup.sh installs them."""

import os

from setuptools import find_packages, setup

from bgptopo import __version__

DATA = ('etc', 'dockerfiles', 'setup.sh')


def data_files():
    """The lab's configs, Dockerfiles and install step, under
    <prefix>/share/bgptopo/ (bgptopo.paths finds them there)."""
    found = {}
    for top in DATA:
        if os.path.isfile(top):
            found.setdefault('', []).append(top)
        for folder, _, files in os.walk(top):
            found.setdefault(folder, []).extend(os.path.join(folder, f) for f in files)
    return [(os.path.join('share', 'bgptopo', folder), files)
            for folder, files in sorted(found.items()) if files]


setup(
    name='bgptopo',
    version=__version__,
    description='A BGP lab for Mininet: three eBGP routers between two Docker containers',
    packages=find_packages(include=['bgptopo', 'bgptopo.*']),
    data_files=data_files(),
    python_requires='>=3.9',
    install_requires=['docker'],
    entry_points={'console_scripts': ['bgptopo = bgptopo.console:main',
                                      'bgptopo-lab = bgptopo.__main__:main']},
    license='BSD-3-Clause',
)
