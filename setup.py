"""bgptopo: a BGP lab (three FRR/Quagga routers, two Docker hosts) for Mininet.

Runtime dependencies come from Debian's packages (mn runs /usr/bin/python3):
mininet, frr, docker.io, python3-docker. ./setup.sh installs them."""

from setuptools import setup

from bgptopo import __version__

setup(
    name='bgptopo',
    version=__version__,
    description='A BGP lab for Mininet: three eBGP routers between two Docker containers',
    packages=['bgptopo'],
    python_requires='>=3.9',
    install_requires=['docker'],
    entry_points={'console_scripts': ['bgptopo = bgptopo.console:main',
                                      'bgptopo-lab = bgptopo.__main__:main']},
    license='BSD-3-Clause',
)
