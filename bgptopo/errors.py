"""The one exception the lab raises for things a user can fix, and the
sentence for the ones they cannot (a bug of ours)."""

import os
import sys
import time
import traceback

ERROR_LOG = os.environ.get('BGPTOPO_ERROR_LOG', '/var/log/bgptopo-errors.log')


class LabError(Exception):
    """A failure a user can act on. Its text is one sentence: what is wrong
    and how to fix it. Entry points print it without a traceback."""


def unexpected(what):
    """The sentence for an exception that is a bug of ours, while it is
    being handled; its traceback goes to ERROR_LOG (appended) for a report."""
    kind, value = type_and_text()
    try:
        with open(ERROR_LOG, 'a') as log:
            log.write('--- %s: %s\n%s\n' % (time.strftime('%Y-%m-%d %H:%M:%S'), what,
                                            traceback.format_exc()))
        where = 'its traceback is in %s' % ERROR_LOG
    except OSError as failure:
        where = 'its traceback could not be written to %s (%s)' % (ERROR_LOG, failure.strerror)
    return ('%s failed unexpectedly (%s: %s); %s: please report it.'
            % (what, kind, value, where))


def type_and_text():
    kind, value = sys.exc_info()[:2]
    text = str(value).splitlines()[0][:200] if str(value) else 'no message'
    return kind.__name__, text
