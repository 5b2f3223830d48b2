"""Streamlit-free pieces of the browser app: interface strings, session state, answers, uploads, export."""
