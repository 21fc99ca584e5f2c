"""Every work with a title gets its citation key, as works added since are keyed on adding.

Imports, Add by Identifier and syncs key the works they add (a sync once it has a work's
title), so only works stored before that are still keyless, and the first export of each
had to give and store their keys, rewriting their rows while the user waited for the file:
about 15,000 works a second at 100,000 works against the 20,000 an export of keyed works
reaches. They are keyed here, once, behind the upgrade dialog, as Better BibTeX keys a
Zotero library when it is installed. The pattern is the one exodesk opens the library with
(the preferences' in the window, the default on the command line); works still without a
title are keyed when their metadata comes in, or at their first export.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

from exodesk.core.citekeys import DEFAULT_PATTERN, CitationKeyGenerator
from exodesk.storage.citekeys import key_keyless_works
from exodesk.storage.migrate import KEY_PATTERN_ATTRIBUTE, KEYS_STEP, PROGRESS_ATTRIBUTE

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    attributes = {} if (config := op.get_context().config) is None else config.attributes
    pattern = attributes.get(KEY_PATTERN_ATTRIBUTE) or DEFAULT_PATTERN
    report = attributes.get(PROGRESS_ATTRIBUTE)
    key_keyless_works(
        op.get_bind(),
        CitationKeyGenerator(pattern).make_key,
        None if report is None else lambda done, total: report(KEYS_STEP, done, total),
    )


def downgrade() -> None:
    """Keys once given are kept: 0010 stores them the same way."""
