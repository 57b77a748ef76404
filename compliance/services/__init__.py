"""The screening door at the path payments and banking import it by (`screening.py`); it moves
into compliance/screening/ once banking reaches it through the core's screening port."""
