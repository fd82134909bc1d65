"""The campaign workflow of the staff console, as a library: drafts, four eyes, following a series.

It sits above the stages (campaigns/, delivery/, reports/, store/) and below its two faces, the
console (console/) and the CLI: neither holds a rule this package lacks, and it imports neither.
"""
