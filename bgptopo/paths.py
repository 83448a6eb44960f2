"""Where the lab's files live: the repository is the single source of its
router configs and Dockerfiles, whether run from a checkout or installed."""

import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def data_dir():
    """The folder holding etc/ and dockerfiles/: the checkout beside the
    package, or, for a pip-installed package, <prefix>/share/bgptopo (where
    setup.py puts them), found from the package's own place
    (<prefix>/lib/pythonX.Y/site-packages/bgptopo): mn runs Debian's
    python, whose sys.prefix is not the installing one's."""
    checkout = os.path.dirname(PACKAGE_DIR)
    if os.path.isdir(os.path.join(checkout, 'etc', 'quagga')):
        return checkout
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(checkout)))
    return os.path.join(prefix, 'share', 'bgptopo')


REPO_DIR = data_dir()
ETC_DIR = os.path.join(REPO_DIR, 'etc', 'quagga')
BIRD_ETC_DIR = os.path.join(REPO_DIR, 'etc', 'bird')
DOCKERFILES_DIR = os.path.join(REPO_DIR, 'dockerfiles')
QUESTION_PAGE = os.path.join(DOCKERFILES_DIR, 'webserver', 'www', 'index.html')


def router_conf(router, daemon, etc_dir=ETC_DIR):
    """The config file of one daemon of one router, e.g. etc/quagga/r1/bgpd.conf.
    Another etc_dir is an overlay: a file it lacks comes from etc/quagga (the
    exercise ships only bgpd.conf; the addresses stay in one place)."""
    path = os.path.join(etc_dir, router, '%s.conf' % daemon)
    if etc_dir != ETC_DIR and not os.path.exists(path) and \
            os.path.exists(os.path.join(ETC_DIR, router)):
        return os.path.join(ETC_DIR, router, '%s.conf' % daemon)
    return path


def shown(path):
    """A path as a user in the repository would type it."""
    rel = os.path.relpath(path, REPO_DIR)
    return path if rel.startswith('..') else rel
