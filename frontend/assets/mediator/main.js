/* mediator face: entry point. */
import "./style.css";
