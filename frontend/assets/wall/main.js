/* wall face: entry point. */
import "./style.css";
