"""Who reported: offline NIK checks and verification against SIAK/Dukcapil."""
