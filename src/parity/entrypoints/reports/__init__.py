"""What Parity writes for people to read: the compliance and scenario reports as files
(HTML, CSV, JSON) and the charts the pages and the files share."""
