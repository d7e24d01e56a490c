"""The library app: authors and their books, the data the course's API serves."""
