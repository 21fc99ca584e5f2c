"""exodesk's performance benchmarks (issue #5); never part of the test run.

``python -m benchmarks.generate`` builds seeded libraries and reference files;
``python -m benchmarks.run`` measures every figure of the budget table on them.
"""
