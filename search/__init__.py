"""援疆简报检索: parse, index and search 《援疆工作简报》 briefing issues."""

__version__ = "0.1.0"
