"""``scan --ci``: which platform runs us, what the change adds, and its log idiom.

``platform`` reads the environment and the event payload; ``scope`` turns them into the range
to scan; ``shallow`` makes sure that range is present in a shallow checkout (or says exactly
what to set); ``annotations`` writes the platform's log commands; ``gate`` decides the exit code.
"""
