"""What HR and leaders read: the `onetoone report` site and the per-person evidence record.

Built from store records and the pure figures of service/domain/insight.py; rendered with the
templates report*.j2 and evidence*.j2. Writing the files is the store's (owner-only).
"""
