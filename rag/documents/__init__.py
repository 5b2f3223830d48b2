"""Documents in: PDF pages, or sections of Word, Markdown, text and HTML files, read and cleaned, then cut into
passages."""
