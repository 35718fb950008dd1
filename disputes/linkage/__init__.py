"""The joint-linkage chain (联动链): 小事不出村、大事不出乡、矛盾不上交.

- `graph`: the chain as a networkx graph, built from rows once per process and asked pure questions
  (routing, escalation, cooperation, validation);
- `chain`: the standard chain a county starts from, and the checks an administrator reads;
- `escalation`: the verbs that move a case along the chain (escalate, summon, answer, escalate overdue);
- `admin`: editing and drawing the chain.
"""
